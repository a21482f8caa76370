import Foundation
import HumorGym
import HumorGymTesting
@testable import Learners
import Policies
import Stochastics
import Testing

/// Self-distillation on the tabular student, with a judge whose taste is exact: the student's own duel winners
/// are the target, and imitating one winner per prompt for long enough puts (nearly) all its mass there.
@Suite struct SelfDistillationTests {
    let world = Fixtures.small
    /// Prefers the longer response with P = sigmoid(length difference): soft, deterministic, and decided
    /// whenever the lengths differ.
    let likesLength = ScriptedCritic(name: "likes-length", score: { text, _ in Double(text.count) }, compare: { pair in
        let p = Softmax.sigmoid(Double(pair.first.count - pair.second.count))
        return PairwiseJudgement(probabilityFirstBetter: p, verdict: p > 0.5 ? .first : p < 0.5 ? .second : .tie)
    })

    func context(epochs: Int = 4) -> TrainingContext {
        let prompts = world.prompts(.train)
        return TrainingContext(prompts: prompts, demonstrations: prompts.map { _ in [] }, critic: likesLength,
                               optimizer: OptimizerSettings(learningRate: 0.2, batchSize: 8), seeds: SeedSequence(root: 9))
    }

    func meanLength(_ policy: TabularPolicy) -> Double {
        let prompts = world.prompts(.train)
        return prompts.reduce(0.0) { total, prompt in
            total + zip(policy.probabilities(for: prompt), world.candidates[prompt]).reduce(0.0) { $0 + $1.0 * Double($1.1.count) }
        } / Double(prompts.count)
    }

    @Test func oneRoundConvergesOnTheDuelWinners() async throws {
        var parameters = SelfDistillation.Parameters()
        parameters.critique.maxLengthRatio = 0
        parameters.schedule = FeedbackSchedule(epochs: 150, feedbackEvery: 150)
        let start = TabularPolicy(candidates: world.candidates)
        // The winners the learner will see: the same sampling stream, the same judge, the same duels.
        let c = context()
        let (verdicts, duels, _) = try await parameters.critique.run(start, environment: c.environment, stream: try c.stream("sampling"))
        #expect(verdicts.count > world.prompts(.train).count / 2 && duels >= verdicts.count)
        var policy = start
        let log = try await SelfDistillation(parameters).train(&policy, context: context())
        #expect(log.first?.values["preferred"] == Double(verdicts.count))
        for verdict in verdicts {
            #expect(policy.mostLikely(verdict.prompt) == verdict.chosen)
            #expect(exp(policy.logProbability(of: verdict.chosen, given: verdict.prompt)) > 0.9)
        }
    }

    @Test func roundsOfItRaiseWhatTheCriticPrefers() async throws {
        var parameters = SelfDistillation.Parameters()
        parameters.critique.maxLengthRatio = 0
        parameters.schedule = FeedbackSchedule(epochs: 16, feedbackEvery: 4)  // four rounds
        let start = TabularPolicy(candidates: world.candidates)
        var policy = start
        _ = try await SelfDistillation(parameters).train(&policy, context: context())
        #expect(meanLength(policy) > meanLength(start) + 1, "mean length \(meanLength(start)) -> \(meanLength(policy))")
    }

    @Test func aConfidenceThresholdKeepsOnlyClearWins() async throws {
        // Length differences of one token give P = 0.73; a 0.95 threshold keeps only winners by three or more.
        var parameters = SelfDistillation.Parameters()
        parameters.critique.maxLengthRatio = 0
        parameters.minConfidence = 0.95
        var policy = TabularPolicy(candidates: world.candidates)
        let strict = try await SelfDistillation(parameters).train(&policy, context: context())
        parameters.minConfidence = 0.5
        policy = TabularPolicy(candidates: world.candidates)
        let all = try await SelfDistillation(parameters).train(&policy, context: context())
        let kept = strict.first?.values["preferred"] ?? 0, every = all.first?.values["preferred"] ?? 0
        #expect(kept > 0 && kept < every, "kept \(kept) of \(every)")
    }
}
