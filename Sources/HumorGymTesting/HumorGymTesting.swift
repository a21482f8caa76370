@_exported import Critics
@_exported import HumorGym
@_exported import Worlds

/// Helpers for putting HumorGym's seeded critics and worlds into your own tests.
public enum HumorGymTesting {
    /// A small paraphrase world (fast to build) with the default grammar and hidden humor.
    public static func smallWorld(seed: UInt64 = 2024, trainPrompts: Int = 40, testPrompts: Int = 20,
                                  oodPrompts: Int = 20, candidatesPerPrompt: Int = 16) throws -> ParaphraseWorld {
        var c = ParaphraseWorld.Configuration()
        c.seed = seed
        c.trainPrompts = trainPrompts
        c.testPrompts = testPrompts
        c.oodPrompts = oodPrompts
        c.candidatesPerPrompt = candidatesPerPrompt
        return try ParaphraseWorld(c)
    }

    /// The default statistical mock critic on `world`: the same seed gives the same verdicts, in the same
    /// order of calls, on every run and machine.
    public static func mockCritic(for world: some SimulatedWorld, seed: UInt64,
                                  configuration: MockCritic.Configuration = MockCritic.Configuration()) -> MockCritic {
        MockCritic(gold: world.goldJudge, configuration: configuration, seed: seed)
    }
}

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
