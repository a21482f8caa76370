import Foundation
import Chat
import HumorGym
/// Where and how to call an OpenAI-compatible chat server (llama.cpp's server, Ollama, vLLM, OpenAI).
public struct LLMEndpoint: Sendable, Equatable {
    /// Up to and including the API version, e.g. `http://127.0.0.1:8088/v1`; requests go to `/chat/completions` under it.
    public var baseURL: String
    public var model: String
    /// The NAME of the environment variable that holds the API key (nil: send no key). The key itself is read
    /// when the client starts and is sent in the Authorization header only.
    public var apiKeyVariable: String?
    /// Sampling temperature of every call (the paper's teacher: 0.8; a judge: 0).
    public var temperature = 0.0
    /// The longest answer, in the server's tokens.
    public var maxTokens = 256
    /// Seconds allowed for one request, from connecting to the last byte of the answer.
    public var timeout = 60.0
    /// Requests in flight at once.
    public var maxConcurrentRequests = 4
    /// Further attempts after a timeout, a dropped connection, a 429 or 5xx, or an unreadable answer.
    public var retries = 4
    /// Exponential backoff: the k-th retry waits up to min(maxBackoff, backoff * 2^k) seconds (full jitter);
    /// a Retry-After header, when sent, is waited for instead (up to maxBackoff).
    public var backoff = 0.5
    public var maxBackoff = 30.0
    /// HTTP requests the client may send in all (cache hits are free).
    public var requestBudget = 100_000
    /// How the server can be held to an answer's shape: a judge's verdict, a critic's score.
    public var structured = StructuredOutput.none
    /// Per million tokens (a local server: 0).
    public var prices = LLMPrices(prompt: 0, completion: 0)
    /// No request is sent once the answers so far cost this much, at `prices`.
    public var costBudget = Double.infinity
    public var cache = CacheSettings.off
    /// Seeds the backoff jitter (it changes only when requests are sent, never what they say).
    public var seed: UInt64 = 0

    public init(baseURL: String, model: String) {
        self.baseURL = baseURL
        self.model = model
    }

    /// The persistent response cache: a SQLite file, which committed next to a test is a cassette.
    /// Every mode but `off` has its file: there is no cache mode without a path.
    public struct CacheSettings: Sendable, Equatable {
        /// The file; nil exactly when the mode is `off`.
        public let path: String?
        public let mode: CacheMode
        /// A cache read (never written) where `path` has no answer, in `read-write` mode: the merged cache a
        /// shard of a sweep replays, while it records what is new in a file of its own (``separate(_:)``).
        public let shared: String?

        /// No cache: every call is a request.
        public static let off = CacheSettings(path: nil, mode: .off)

        /// The cache in `path`; `mode` `off` ignores the file.
        public init(path: String, mode: CacheMode = .readWrite) {
            self.init(path: mode == .off ? nil : path, mode: mode)
        }

        private init(path: String?, mode: CacheMode, shared: String? = nil) {
            self.path = path
            self.mode = mode
            self.shared = shared
        }

        /// For one of several processes that would write this cache at once (SQLite on a shared file system
        /// is not safe with many writers): a file of its own beside it, `NAME.SUFFIX.sqlite`, with this one
        /// read where the own file has no answer. `humorgym cache merge` gathers the files afterwards. A
        /// replay only reads, so it reads this cache as it is.
        public func separate(_ suffix: String) -> CacheSettings {
            guard let path, mode == .readWrite || mode == .record else { return self }
            let url = URL(fileURLWithPath: path), stem = url.deletingPathExtension().lastPathComponent
            let own = url.deletingLastPathComponent().appendingPathComponent("\(stem).\(suffix).\(url.pathExtension.isEmpty ? "sqlite" : url.pathExtension)").path
            return CacheSettings(path: own, mode: mode, shared: mode == .readWrite ? path : nil)
        }
    }

    public enum CacheMode: String, Sendable, CaseIterable {
        /// No cache: every call is a request.
        case off
        /// Answers come from the cache when recorded; the rest are sent and recorded.
        case readWrite = "read-write"
        /// Every call is sent and its answer recorded (over an older one): re-recording a cassette.
        case record
        /// Answers only from the cache; a request not recorded is an error. Offline and deterministic.
        case replay
    }

    /// An `llms/` file's keys (see `llms/local.yaml`), or the same written out inside an environment file.
    public init(from source: some ParameterSource) throws {
        baseURL = try source.string("baseURL", default: "http://127.0.0.1:8088/v1", allowed: [])
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw source.problem("baseURL", "'\(baseURL)' is not an http(s) URL")
        }
        model = try source.string("model", default: "", allowed: [])
        guard !model.isEmpty else { throw source.problem("model", "name the model the server serves") }
        let key = try source.string("apiKeyVariable", default: "", allowed: [])
        apiKeyVariable = key.isEmpty ? nil : key
        temperature = try source.double("temperature", default: temperature, range: 0...10)
        maxTokens = try source.int("maxTokens", default: maxTokens, range: 1...1_000_000)
        timeout = try source.double("timeout", default: timeout, range: 0.001...86_400)
        maxConcurrentRequests = try source.int("maxConcurrentRequests", default: maxConcurrentRequests, range: 1...1024)
        retries = try source.int("retries", default: retries, range: 0...100)
        backoff = try source.double("backoff", default: backoff, range: 0...3600)
        maxBackoff = try source.double("maxBackoff", default: max(maxBackoff, backoff), range: backoff...3600)
        requestBudget = try source.int("requestBudget", default: requestBudget, range: 0...1_000_000_000)
        structured = try source.choice("structured", default: structured)
        let p = try source.section("prices")
        prices = LLMPrices(prompt: try p.double("prompt", default: prices.prompt, range: 0...1_000_000),
                           completion: try p.double("completion", default: prices.completion, range: 0...1_000_000))
        try p.finish()
        costBudget = try source.double("costBudget", default: costBudget, range: 0...Double.infinity)
        seed = try source.seed("seed", default: seed)
        let c = try source.section("cache")
        let path = try c.string("path", default: "", allowed: [])
        let mode = try c.choice("mode", default: path.isEmpty ? CacheMode.off : .readWrite)
        guard mode == .off || !path.isEmpty else { throw c.problem("mode", "cache mode \(mode.rawValue) needs a cache path") }
        cache = path.isEmpty ? .off : CacheSettings(path: path, mode: mode)
        try c.finish()
        try source.finish()
    }

    var completionsURL: String { (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/chat/completions" }
}
