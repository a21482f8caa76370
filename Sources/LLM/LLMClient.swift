import AsyncHTTPClient
import Chat
import Foundation
import NIOCore
import Stochastics
import Synchronization

/// The one way HumorGym calls an LLM: bounded concurrency, a budget in requests and in money, retries with
/// exponential backoff and full jitter on timeouts, dropped connections, 429, 5xx and unreadable answers
/// (honouring Retry-After), the persistent ``ResponseCache`` in front of it all, and the server's token
/// counts kept by role (``usage``).
///
/// What is answered is never lost: each answer is recorded as it arrives, so a run killed half-way and
/// started again sends only what was not yet answered.
public final class LLMClient: ChatModel {
    public let endpoint: LLMEndpoint
    public var defaults: ChatDefaults {
        ChatDefaults(model: endpoint.model, temperature: endpoint.temperature, maxTokens: endpoint.maxTokens, structured: endpoint.structured)
    }
    public let cache: ResponseCache?
    /// The cache it reads but does not write (``LLMEndpoint/CacheSettings/shared``), when that file exists.
    public let shared: ResponseCache?
    /// Set: count what would be sent, send nothing.
    public let dryRun: LLMDryRun?
    private let http: HTTPClient
    private let apiKey: String?
    private let limit: ConcurrencyLimit
    private let jitter: Mutex<RandomStream>
    private let counters = Mutex(Statistics())
    private let ledger = Mutex([LLMRole: LLMUsage]())
    /// The requests being sent, by cache key.
    private let inFlight = Mutex<[String: Task<ChatResponse, any Error>]>([:])

    /// What the client has done so far.
    public struct Statistics: Sendable, Equatable {
        /// HTTP requests sent, retries included.
        public var sent = 0
        public var retries = 0
        public var cacheHits = 0
        public var answered = 0

        public init() {}
    }

    /// - Parameter environment: where the API key's variable is looked up (the process's by default).
    public init(_ endpoint: LLMEndpoint, dryRun: LLMDryRun? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.endpoint = endpoint
        self.dryRun = dryRun
        if let variable = endpoint.apiKeyVariable {
            guard let key = environment[variable], !key.isEmpty else { throw LLMError.missingAPIKey(variable: variable) }
            apiKey = key
        } else {
            apiKey = nil
        }
        // An endpoint built in code skips the file's ranges; a client that could never send stops here.
        guard endpoint.maxConcurrentRequests >= 1 else {
            throw LLMError.invalidConfiguration("maxConcurrentRequests must be at least 1, got \(endpoint.maxConcurrentRequests)")
        }
        // A dry run reads the cache it finds and creates none.
        cache = try endpoint.cache.path.flatMap { path in
            dryRun != nil && !FileManager.default.fileExists(atPath: path) ? nil
                : try ResponseCache(path: path, readOnly: endpoint.cache.mode == .replay || dryRun != nil)
        }
        shared = try endpoint.cache.shared.flatMap { path in
            FileManager.default.fileExists(atPath: path) ? try ResponseCache(path: path, readOnly: true) : nil
        }
        http = HTTPClient.shared
        limit = ConcurrencyLimit(endpoint.maxConcurrentRequests)
        jitter = Mutex(RandomStream(seed: endpoint.seed))
    }

    public var statistics: Statistics { counters.withLock { $0 } }

    /// Each role's answers and tokens so far.
    public var usage: [LLMRole: LLMUsage] { ledger.withLock { $0 } }

    /// What the server's answers cost so far, at the endpoint's prices.
    public var spent: Double { ledger.withLock { $0.values.reduce(LLMUsage(), +) }.cost(endpoint.prices) }

    /// This client, its calls counted for `role`.
    public func model(for role: LLMRole) -> some ChatModel { RoleModel(client: self, role: role) }

    struct RoleModel: ChatModel {
        let client: LLMClient
        let role: LLMRole
        var defaults: ChatDefaults { client.defaults }
        func complete(_ request: ChatRequest) async throws -> ChatResponse { try await client.complete(request, for: role) }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse { try await complete(request, for: .other) }

    /// The answer to `request`: from the cache when the mode allows, else from the server; counted for `role`.
    public func complete(_ request: ChatRequest, for role: LLMRole) async throws -> ChatResponse {
        let (key, json) = ResponseCache.key(for: request)
        let mode = endpoint.cache.mode
        for cache in [cache, shared].compactMap({ $0 }) where mode == .readWrite || mode == .replay {
            guard let body = try cache.answer(for: key) else { continue }
            counters.withLock { $0.cacheHits += 1; $0.answered += 1 }
            tally(role) { $0.cacheHits += 1 }
            dryRun?.hit(role)
            return try Self.decode(body, from: cache.path)
        }
        if let dryRun {
            dryRun.miss(key, request, role)
            return LLMDryRun.madeUp
        }
        if let cache, mode == .replay {
            throw LLMError.notRecorded(cache: cache.path, key: key, request: Self.summary(request))
        }
        guard let cache else {
            let (_, response) = try await limit.run { try await send(json) }
            counters.withLock { $0.answered += 1 }
            count(response, for: role)
            return response
        }
        // With a cache a request has one answer: callers asking what is already in flight (two seeds, two equal
        // samples) wait for that answer instead of sending again and racing to record a different one.
        let (task, shared) = inFlight.withLock { running in
            if let task = running[key] { return (task, true) }
            let task = Task {
                let (body, response) = try await limit.run { try await send(json) }
                try cache.record(key: key, request: json, response: body)
                return response
            }
            running[key] = task
            return (task, false)
        }
        defer { inFlight.withLock { if $0[key] == task { $0[key] = nil } } }
        let response = try await task.value
        counters.withLock { $0.answered += 1; if shared { $0.cacheHits += 1 } }
        if shared { tally(role) { $0.cacheHits += 1 } } else { count(response, for: role) }
        return response
    }

    /// Counts a server's answer and its tokens for `role`.
    private func count(_ response: ChatResponse, for role: LLMRole) {
        tally(role) { counts in
            counts.answers += 1
            if let usage = response.usage {
                counts.promptTokens += usage.promptTokens
                counts.completionTokens += usage.completionTokens
            } else {
                counts.unmetered += 1
            }
        }
    }

    private func tally(_ role: LLMRole, _ change: (inout LLMUsage) -> Void) {
        ledger.withLock { change(&$0[role, default: LLMUsage()]) }
    }

    /// Sends until an answer is usable, a status says retrying is pointless, or attempts run out.
    private func send(_ json: String) async throws -> (String, ChatResponse) {
        let url = endpoint.completionsURL
        var last = ""
        for attempt in 0...endpoint.retries {
            if attempt > 0 { counters.withLock { $0.retries += 1 } }
            let spent = spent
            guard spent < endpoint.costBudget else { throw LLMError.costBudgetExhausted(budget: endpoint.costBudget, spent: spent) }
            try counters.withLock { c in
                guard c.sent < endpoint.requestBudget else { throw LLMError.budgetExhausted(budget: endpoint.requestBudget) }
                c.sent += 1
            }
            var wait: Double? = nil
            do {
                let (status, body, retryAfter) = try await exchange(json, url: url)
                switch status {
                case 200..<300:
                    if let decoded = try? Self.decode(body, from: url) { return (body, decoded) }
                    last = "an unusable answer: \(snippet(body))"
                case 429, 500..<600:
                    last = "HTTP \(status): \(snippet(body))"
                    wait = retryAfter.flatMap(Self.seconds(retryAfter:))
                default:
                    throw LLMError.rejected(url: url, status: status, body: snippet(body))
                }
            } catch let error as LLMError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                last = "\(error)"  // timeouts, refused or reset connections, truncated bodies
            }
            if attempt < endpoint.retries {
                let ceiling = min(endpoint.maxBackoff, endpoint.backoff * pow(2, Double(attempt)))
                let delay = wait.map { min($0, endpoint.maxBackoff) } ?? ceiling * jitter.withLock { $0.uniform() }
                try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            }
        }
        throw LLMError.retriesExhausted(url: url, attempts: endpoint.retries + 1, last: last)
    }

    /// One POST: its status, body and Retry-After header. The whole exchange, connecting to the last byte,
    /// races the endpoint's timeout; the loser is cancelled.
    private func exchange(_ json: String, url: String) async throws -> (status: Int, body: String, retryAfter: String?) {
        let http = http, apiKey = apiKey, timeout = endpoint.timeout
        return try await withThrowingTaskGroup(of: (Int, String, String?).self) { group in
            group.addTask {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
                request.body = .bytes(ByteBuffer(string: json))
                let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
                let body = String(buffer: try await response.body.collect(upTo: 32 << 20))
                return (Int(response.status.code), body, response.headers.first(name: "Retry-After"))
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                throw Timeout(seconds: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    struct Timeout: Error, CustomStringConvertible {
        let seconds: Double
        var description: String { "no complete answer within the timeout of \(seconds) s" }
    }

    /// A usable answer has at least one choice with a message.
    static func decode(_ body: String, from source: String) throws -> ChatResponse {
        guard let response = try? JSONDecoder().decode(ChatResponse.self, from: Data(body.utf8)), response.text != nil else {
            throw LLMError.unusableAnswer(source: source, body: snippet(body))
        }
        return response
    }

    /// Retry-After in seconds: delta-seconds, or an HTTP date.
    static func seconds(retryAfter value: String) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// The request, shortened for an error message: its model and the start of its last message.
    static func summary(_ request: ChatRequest) -> String {
        "model \(request.model), \"\(snippet(request.messages.last?.content ?? ""))\""
    }
}
