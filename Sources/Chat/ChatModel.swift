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

    public init(model: String, temperature: Double, maxTokens: Int) {
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
    }
}

extension ChatModel {
    /// One user message with the defaults, or another temperature.
    public func request(_ text: String, temperature: Double? = nil, topLogprobs: Int? = nil) -> ChatRequest {
        ChatRequest(model: defaults.model, messages: [.user(text)], temperature: temperature ?? defaults.temperature,
                    maxTokens: defaults.maxTokens, topLogprobs: topLogprobs)
    }
}

/// One line of at most 200 characters, for messages that quote an answer.
public func snippet(_ text: String) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: " ")
    return flat.count > 200 ? String(flat.prefix(200)) + "..." : flat
}
