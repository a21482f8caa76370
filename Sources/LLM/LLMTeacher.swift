/// A teacher that asks an LLM for N outputs per prompt in one call, as the paper did (at the endpoint's
/// temperature: the paper's 0.8, top_p 1), and reads them from a numbered list. Refusals and unusable answers are dropped and counted.
public struct LLMTeacher: Sendable {
    /// The paper's teacher prompt: N humorous paraphrases with the same meaning, as a numbered list, nothing else.
    public static let paraphraseTemplate = """
        Write {n} creative, humorous paraphrases of the sentence below. Each paraphrase must keep exactly the same \
        meaning as the sentence. Answer with a numbered list (1., 2., ...) of the {n} paraphrases and nothing else.

        Sentence: {prompt}
        """
    /// For the setup -> punchline environment.
    public static let punchlineTemplate = """
        Here is the setup of a joke. Write {n} different funny punchlines for it. Answer with a numbered list \
        (1., 2., ...) of the {n} punchlines and nothing else.

        Setup: {prompt}
        """

    public let client: LLMClient
    /// `{n}` and `{prompt}` are filled in.
    public var template: String

    public init(client: LLMClient, template: String = LLMTeacher.paraphraseTemplate) {
        self.client = client
        self.template = template
    }

    /// What one call gave: the usable outputs (at most `count`), or why there are none.
    public struct Answer: Sendable, Equatable {
        public var outputs: [String]
        public var refused: Bool
        /// The reply had no list and was no refusal (empty, or prose).
        public var unusable: Bool { outputs.isEmpty && !refused }
    }

    public func write(_ prompt: String, count: Int) async throws -> Answer {
        let text = template.replacingOccurrences(of: "{n}", with: String(count)).replacingOccurrences(of: "{prompt}", with: prompt)
        let request = ChatRequest(model: client.endpoint.model, messages: [.user(text)], temperature: client.endpoint.temperature,
                                  maxTokens: client.endpoint.maxTokens)
        let reply = try await client.complete(request).text ?? ""
        if Refusal.isRefusal(reply) { return Answer(outputs: [], refused: true) }
        return Answer(outputs: Array(NumberedList.items(in: reply).prefix(count)), refused: false)
    }
}
