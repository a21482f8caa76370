import HumorGym
import LLM

/// An LLM server as a YAML file (`llms/NAME.yaml`) or a mapping inside an environment file: the endpoint every
/// LLM teacher or critic call goes to, with its sampling, limits and cache. See `llms/local.yaml` for every key.
public struct LLMSpec: Sendable, Equatable {
    public var name = "llm"
    public var endpoint: LLMEndpoint

    public init(yaml: String, file: String) throws {
        try self.init(section: try YAMLSection(yaml: yaml, file: file))
    }

    /// From a mapping of these keys: a whole `llms/` file, or written out inside an environment file
    /// (`critic: {kind: llm, llm: {baseURL: ..., model: ...}}`).
    public init(section root: YAMLSection) throws {
        name = try root.string("name", default: name, allowed: [])
        _ = try root.string("kind", default: "openai-compatible", allowed: ["openai-compatible"])
        var e = LLMEndpoint(baseURL: try root.string("baseURL", default: "http://127.0.0.1:8088/v1", allowed: []),
                            model: try root.string("model", default: "", allowed: []))
        let key = try root.string("apiKeyVariable", default: "", allowed: [])
        e.apiKeyVariable = key.isEmpty ? nil : key
        e.temperature = try root.double("temperature", default: e.temperature, range: 0...10)
        e.maxTokens = try root.int("maxTokens", default: e.maxTokens, range: 1...1_000_000)
        e.timeout = try root.double("timeout", default: e.timeout, range: 0.001...86_400)
        e.maxConcurrentRequests = try root.int("maxConcurrentRequests", default: e.maxConcurrentRequests, range: 1...1024)
        e.retries = try root.int("retries", default: e.retries, range: 0...100)
        e.backoff = try root.double("backoff", default: e.backoff, range: 0...3600)
        e.maxBackoff = try root.double("maxBackoff", default: e.maxBackoff, range: 0...3600)
        e.requestBudget = try root.int("requestBudget", default: e.requestBudget, range: 0...1_000_000_000)
        e.seed = UInt64(try root.int("seed", default: Int(e.seed), range: 0...Int.max))
        let cache = try root.section("cache")
        let path = try cache.string("path", default: "", allowed: [])
        let mode = try cache.string("mode", default: path.isEmpty ? "off" : "read-write",
                                    allowed: LLMEndpoint.CacheMode.allCases.map(\.rawValue))
        e.cache = .init(path: path.isEmpty ? nil : path, mode: LLMEndpoint.CacheMode(rawValue: mode)!)
        try cache.finish()
        try root.finish()
        do { try e.validate() } catch { throw HumorGymError("\(root.file): \(root.path.isEmpty ? "" : root.path + ": ")\(error)") }
        endpoint = e
    }
}

extension SpecResolver {
    /// `llms/NAME.yaml`, or a path.
    public static func llm(_ argument: String) throws -> LLMSpec {
        try resolve(argument, directory: "llms", what: "LLM", builtIn: [:], defaultName: "", parse: LLMSpec.init(yaml:file:))
    }
}
