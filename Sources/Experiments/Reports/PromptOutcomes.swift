/// Each run's WTR prompt by prompt (`outcomes.json` in a results folder), for sign tests between learners:
/// learners of one seed answer the same prompts against the same teacher outputs.
public struct PromptOutcomes: Sendable, Codable, Equatable {
    public struct Record: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var algorithm: String
        public var split: String
        /// The evaluator's WTR on each prompt of the split, in prompt order; nil where the prompt has no teacher output.
        public var wtr: [Double?]
    }

    public var records: [Record]

    public func wtr(seed: UInt64, algorithm: String, split: String) -> [Double?]? {
        records.first { $0.seed == seed && $0.algorithm == algorithm && $0.split == split }?.wtr
    }
}
