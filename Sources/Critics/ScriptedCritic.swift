import HumorGym

/// A critic whose answers your test writes: no randomness, no model.
public struct ScriptedCritic: Critic {
    public let name: String
    private let scoring: @Sendable (Text, Prompt) -> Double
    private let judging: @Sendable (PairRequest) -> PairwiseJudgement

    public init(name: String = "scripted", score: @escaping @Sendable (Text, Prompt) -> Double,
                compare: @escaping @Sendable (PairRequest) -> PairwiseJudgement) {
        self.name = name
        self.scoring = score
        self.judging = compare
    }

    /// Prefers the longer response (ties on equal length) and scores by length: a critic with nothing but
    /// a length bias.
    public static let prefersLonger = ScriptedCritic(
        name: "prefers-longer", score: { text, _ in Double(text.count) },
        compare: { pair in
            let d = pair.first.count - pair.second.count
            return PairwiseJudgement(probabilityFirstBetter: d > 0 ? 1 : d < 0 ? 0 : 0.5,
                                     verdict: d > 0 ? .first : d < 0 ? .second : .tie)
        })

    public func score(_ response: Text, for prompt: Prompt) async throws -> Double { scoring(response, prompt) }
    public func compare(_ pair: PairRequest) async throws -> PairwiseJudgement { judging(pair) }
}
