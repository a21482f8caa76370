import Foundation

/// Anything that answers OpenAI-style chat completions: the HTTP client of the `LLM` module, or a test's
/// own stand-in. Critics and teachers are written against this, so they need no HTTP stack to compile.
public protocol ChatModel: Sendable {
    /// The model name and the sampling settings a request takes unless its caller says otherwise.
    var defaults: ChatDefaults { get }
    func complete(_ request: ChatRequest) async throws -> ChatResponse
}

/// What a chat model's requests carry by default: the endpoint's model and sampling.
public struct ChatDefaults: Sendable, Equatable {
    public var model: String
    public var temperature: Double
    /// The longest answer, in the server's tokens.
    public var maxTokens: Int
    /// How the server can be held to an answer's shape.
    public var structured: StructuredOutput

    public init(model: String, temperature: Double, maxTokens: Int, structured: StructuredOutput = .none) {
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.structured = structured
    }
}

extension ChatModel {
    /// One user message with the defaults, or another temperature. An `answer` shape is asked for the way the
    /// server supports (``ChatDefaults/structured``); with `none` the prompt alone asks for it.
    public func request(_ text: String, temperature: Double? = nil, topLogprobs: Int? = nil, answer: StructuredAnswer? = nil,
                        seed: UInt64? = nil) -> ChatRequest {
        var request = ChatRequest(model: defaults.model, messages: [.user(text)], temperature: temperature ?? defaults.temperature,
                                  maxTokens: defaults.maxTokens, seed: seed, topLogprobs: topLogprobs)
        switch (answer, defaults.structured) {
        case (let answer?, .jsonSchema): request.responseFormat = answer.responseFormat
        case (let answer?, .grammar): request.grammar = answer.grammar
        default: break
        }
        return request
    }
}

/// One line of at most 200 characters, for messages that quote an answer.
public func snippet(_ text: String) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: " ")
    return flat.count > 200 ? String(flat.prefix(200)) + "..." : flat
}
