import Learners
import HumorGym
import HumorGymTesting
import Policies
import Stochastics
import Testing

@Suite struct AbstentionTests {
    @Test func dpoSkipsPairsWithoutAVerdictAndNeverGuesses() async throws {
        let world = Fixtures.small
        let abstaining = ScriptedCritic(score: { _, _ in 0 }, compare: { _ in PairwiseJudgement(probabilityFirstBetter: nil, verdict: .abstain) })
        let prompts = world.prompts(.train)
        let context = TrainingContext(prompts: prompts, demonstrations: prompts.map { _ in [] }, critic: abstaining,
                                      optimizer: OptimizerSettings(learningRate: 0.1, batchSize: 8), seeds: SeedSequence(root: 1))
        var policy = TabularPolicy(candidates: world.candidates)
        let start = policy
        let log = try await DirectPreferenceOptimization().train(&policy, context: context)
        #expect(log.isEmpty)
        #expect(policy.parameters == start.parameters)
    }
}
