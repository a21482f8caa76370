import HumorGym
import LLM
import Synchronization

/// One client per LLM server an experiment talks to, shared by its teacher, critic, evaluator and any critic
/// a command asks for: one concurrency bound, one request budget and one cache per server.
public final class LLMClientPool: Sendable {
    private let clients = Mutex<[(spec: LLMSpec, client: LLMClient)]>([])
    /// Set: every client counts what it would send and sends nothing (``LLMClient/dryRun``).
    private let dryRun: LLMDryRun.Dependencies?

    private let cacheUse: CacheUse

    /// How the clients use each LLM's cache.
    public enum CacheUse: Sendable, Equatable {
        /// As the LLM's file says.
        case asConfigured
        /// New answers go to a file of the client's own named with the suffix, beside the cache, which is read
        /// too (``LLMEndpoint/CacheSettings/separate(_:)``): one of several processes that run at once.
        case separate(String)
        /// Answers only from the cache, whatever its mode; a request it lacks is an error.
        case replay
    }

    public init(dryRun: Bool = false, cache: CacheUse = .asConfigured) {
        self.dryRun = dryRun ? LLMDryRun.Dependencies() : nil
        cacheUse = cache
    }

    public var isDryRun: Bool { dryRun != nil }

    /// The client of `spec`, opened (with its cache file) the first time it is asked for.
    public func client(_ spec: LLMSpec) throws -> LLMClient {
        try clients.withLock { clients in
            if let open = clients.first(where: { $0.spec == spec }) { return open.client }
            var endpoint = spec.endpoint
            switch cacheUse {
            case .asConfigured: break
            case .separate(let suffix): endpoint.cache = endpoint.cache.separate(suffix)
            case .replay:
                guard let path = endpoint.cache.path else { throw HumorGymError("LLM \(spec.name) has no cache (cache.path) to replay") }
                endpoint.cache = .init(path: path, mode: .replay)
            }
            let client = try LLMClient(endpoint, dryRun: dryRun.map { LLMDryRun(dependencies: $0) })
            clients.append((spec, client))
            return client
        }
    }

    /// The counters of every open client, summed: what a progress display shows.
    public var statistics: LLMClient.Statistics {
        clients.withLock { clients in
            clients.reduce(into: LLMClient.Statistics()) { total, open in
                let s = open.client.statistics
                total.sent += s.sent
                total.retries += s.retries
                total.cacheHits += s.cacheHits
                total.answered += s.answered
            }
        }
    }

    /// Every open client with its spec, in the order they were opened.
    public var open: [(spec: LLMSpec, client: LLMClient)] { clients.withLock { $0 } }

    /// The client of `spec` if one is open (its counters: requests sent, retries, cache hits).
    public func openClient(_ spec: LLMSpec) -> LLMClient? {
        clients.withLock { $0.first { $0.spec == spec }?.client }
    }
}
