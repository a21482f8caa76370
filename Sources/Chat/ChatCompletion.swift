/// One message of an OpenAI-style chat.
public struct ChatMessage: Codable, Sendable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: "system", content: text) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: "user", content: text) }
}

/// The body of `POST {baseURL}/chat/completions`: only the fields HumorGym sets. Everything that shapes the
/// answer is here (and so in the cache key); the URL and the API key are not.
public struct ChatRequest: Codable, Sendable, Hashable {
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double
    public var topP: Double
    public var maxTokens: Int
    /// Servers that support it sample reproducibly; it also tells apart otherwise equal requests whose
    /// answers should differ (the k-th of several samples).
    public var seed: UInt64?
    /// Ask for the top alternatives of each answer token (the critic's soft preference).
    public var topLogprobs: Int?
    /// `response_format`: an answer constrained to a JSON schema (``StructuredAnswer/responseFormat``).
    public var responseFormat: JSONValue?
    /// A GBNF grammar the answer must match (llama.cpp's server).
    public var grammar: String?

    public init(model: String, messages: [ChatMessage], temperature: Double, topP: Double = 1, maxTokens: Int,
                seed: UInt64? = nil, topLogprobs: Int? = nil, responseFormat: JSONValue? = nil, grammar: String? = nil) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
        self.topLogprobs = topLogprobs
        self.responseFormat = responseFormat
        self.grammar = grammar
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed, logprobs, grammar
        case topP = "top_p", maxTokens = "max_tokens", topLogprobs = "top_logprobs", responseFormat = "response_format"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(messages, forKey: .messages)
        try c.encode(temperature, forKey: .temperature)
        try c.encode(topP, forKey: .topP)
        try c.encode(maxTokens, forKey: .maxTokens)
        try c.encodeIfPresent(seed, forKey: .seed)
        if let topLogprobs {
            try c.encode(true, forKey: .logprobs)
            try c.encode(topLogprobs, forKey: .topLogprobs)
        }
        try c.encodeIfPresent(responseFormat, forKey: .responseFormat)
        try c.encodeIfPresent(grammar, forKey: .grammar)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        messages = try c.decode([ChatMessage].self, forKey: .messages)
        temperature = try c.decode(Double.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP) ?? 1
        maxTokens = try c.decode(Int.self, forKey: .maxTokens)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .topLogprobs)
        responseFormat = try c.decodeIfPresent(JSONValue.self, forKey: .responseFormat)
        grammar = try c.decodeIfPresent(String.self, forKey: .grammar)
    }
}

/// The parts of a chat completion HumorGym reads: the first choice's text and, when asked for, the log-
/// probabilities of its tokens with their top alternatives.
public struct ChatResponse: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var message: ChatMessage?
        public var logprobs: Logprobs?
        public var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case message, logprobs
            case finishReason = "finish_reason"
        }
    }

    public struct Logprobs: Codable, Sendable, Equatable {
        public var content: [TokenLogprob]?
    }

    public struct TokenLogprob: Codable, Sendable, Equatable {
        public var token: String
        public var logprob: Double
        public var topLogprobs: [Alternative]?

        enum CodingKeys: String, CodingKey {
            case token, logprob
            case topLogprobs = "top_logprobs"
        }
    }

    public struct Alternative: Codable, Sendable, Equatable {
        public var token: String
        public var logprob: Double
    }

    /// Tokens the server counted for the request, when it says.
    public struct Usage: Codable, Sendable, Equatable {
        public var promptTokens: Int
        public var completionTokens: Int

        public init(promptTokens: Int, completionTokens: Int) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
        }

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        }
    }

    public var choices: [Choice]
    public var usage: Usage?

    /// The first choice's text (nil when the server sent no choice or no message).
    public var text: String? { choices.first?.message?.content }
    /// The first choice's tokens with their alternatives (empty when the server gave none).
    public var tokens: [TokenLogprob] { choices.first?.logprobs?.content ?? [] }
}
