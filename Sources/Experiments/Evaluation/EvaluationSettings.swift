import HumorGym

/// How the student answers evaluation prompts: an environment file's `evaluation:` section.
public struct EvaluationSettings: Sendable, Equatable {
    public enum Decoding: String, Sendable, CaseIterable {
        /// Its samples: the student's expected WTR as a distribution.
        case sample
        /// Its most likely response (the paper decodes with beam search).
        case greedy
    }

    public var decoding = Decoding.sample
    /// Student samples per evaluation prompt (for KL, and for WTR when not greedy).
    public var samplesPerPrompt = 8

    public init() {}

    public init(from source: some ParameterSource) throws {
        decoding = try source.choice("decoding", default: decoding)
        samplesPerPrompt = try source.int("samplesPerPrompt", default: samplesPerPrompt, range: 1...10_000)
        try source.finish()
    }
}
