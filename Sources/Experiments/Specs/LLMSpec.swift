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
    public init(section root: some ParameterSource) throws {
        name = try root.string("name", default: name, allowed: [])
        _ = try root.string("kind", default: "openai-compatible", allowed: ["openai-compatible"])
        endpoint = try LLMEndpoint(from: root)
    }
}

extension SpecResolver {
    /// `llms/NAME.yaml`, or a path.
    public static func llm(_ argument: String) throws -> LLMSpec {
        try resolve(argument, directory: "llms", what: "LLM", builtIn: [], defaultName: "",
                    lookUp: { _ in nil }, parse: LLMSpec.init(yaml:file:))
    }
}
