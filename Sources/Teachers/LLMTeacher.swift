import Chat
import HumorGym
import Synchronization

/// A teacher that asks an LLM for N outputs per prompt in one call, as the paper did (the paper's temperature
/// 0.8, top_p 1), and reads them from a numbered list. Refusals and unusable answers are dropped and counted.
/// As a ``Teacher`` it sends each prompt as written and keeps each answer as written, with its tokens in the
/// world's vocabulary (where a word the vocabulary lacks is `<unk>`, and is counted).
public struct LLMTeacher: Teacher {
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

    /// How the teacher asks: an environment file's `teacher:` section of kind `llm`.
    public struct Settings: Sendable, Equatable {
        /// `{n}` and `{prompt}` are filled in; `{prompt}` is required.
        public var template: String
        /// The sampling temperature (the paper's: 0.8).
        public var temperature = 0.8

        public init(template: String) { self.template = template }

        /// Reads the section to its end (its `kind`, `outputsPerPrompt` and `llm` already read); without a
        /// `template` key, `template`.
        public init(from source: some ParameterSource, template: String) throws {
            self.template = try source.string("template", default: template, allowed: [])
            guard self.template.contains("{prompt}") else {
                throw source.problem("template", "a teacher template must contain {prompt} (and may contain {n})")
            }
            temperature = try source.double("temperature", default: temperature, range: 0...10)
            try source.finish()
        }
    }

    public let name: String
    public let model: any ChatModel
    /// `{n}` and `{prompt}` are filled in.
    public var template: String
    /// The sampling temperature; nil uses the endpoint's.
    public var temperature: Double?
    public let vocabulary: Vocabulary
    /// What the calls so far gave, across copies of this teacher.
    public let tally = Tally()

    public init(model: any ChatModel, settings: Settings, vocabulary: Vocabulary, name: String) {
        self.init(model: model, template: settings.template, temperature: settings.temperature, vocabulary: vocabulary, name: name)
    }

    public init(model: any ChatModel, template: String = LLMTeacher.paraphraseTemplate, temperature: Double? = nil,
                vocabulary: Vocabulary = Vocabulary([]), name: String = "llm") {
        self.model = model
        self.template = template
        self.temperature = temperature
        self.vocabulary = vocabulary
        self.name = name
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
        let reply = try await model.complete(model.request(text, temperature: temperature)).text ?? ""
        if Refusal.isRefusal(reply) { return Answer(outputs: [], refused: true) }
        return Answer(outputs: Array(NumberedList.items(in: reply).prefix(count)), refused: false)
    }

    /// One call per prompt, concurrently (the client bounds how many are in flight); outputs in prompt order.
    /// A prompt the LLM refused or answered without a list gets no outputs.
    public func demonstrations(for prompts: [Prompt], count: Int) async throws -> [[Text]] {
        let vocabulary = vocabulary, teacher = self
        let answers = try await prompts.concurrentMap { try await teacher.write($0.text.string, count: count) }
        return answers.map { answer in
            let outputs = answer.outputs.map(vocabulary.encode)
            tally.add(answer, encoded: outputs)
            return outputs
        }
    }

    /// Counts of what the teacher's calls gave: the paper lost 3-4% of its inputs to refusals.
    public final class Tally: Sendable {
        public struct Counts: Sendable, Equatable, Codable {
            public var prompts = 0
            public var refused = 0
            public var unusable = 0
            public var outputs = 0
            public var tokens = 0
            /// Tokens of words the world's vocabulary lacks.
            public var unknownTokens = 0

            public static func + (a: Counts, b: Counts) -> Counts {
                Counts(prompts: a.prompts + b.prompts, refused: a.refused + b.refused, unusable: a.unusable + b.unusable,
                       outputs: a.outputs + b.outputs, tokens: a.tokens + b.tokens, unknownTokens: a.unknownTokens + b.unknownTokens)
            }
        }

        private let storage = Mutex(Counts())
        public var counts: Counts { storage.withLock { $0 } }

        func add(_ answer: Answer, encoded: [Text]) {
            storage.withLock {
                $0.prompts += 1
                if answer.refused { $0.refused += 1 }
                if answer.unusable { $0.unusable += 1 }
                $0.outputs += encoded.count
                $0.tokens += encoded.reduce(0) { $0 + $1.count }
                $0.unknownTokens += encoded.reduce(0) { $0 + $1.tokens.filter { $0 == 0 }.count }
            }
        }
    }
}
