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
