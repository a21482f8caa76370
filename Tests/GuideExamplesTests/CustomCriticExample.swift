// docs/extending.md, "Adding a critic": a critic is a name, a pointwise score and a pairwise judgement.
// This one rewards keeping the prompt's words (a crude consistency judge), and every learner trains on it.
import HumorGym
import HumorGymTesting
import Learners
import Policies
import Stochastics
import Testing

/// Scores a response by the share of the prompt's words it keeps; prefers the response that keeps more.
struct KeepsTheWordsCritic: Critic {
    let name = "keeps-the-words"

    func score(_ response: Text, for prompt: Prompt) async throws -> Double {
        let kept = Set(response.tokens)
        return Double(prompt.text.tokens.filter(kept.contains).count) / Double(max(1, prompt.text.count))
    }

    func compare(_ pair: PairRequest) async throws -> PairwiseJudgement {
        let d = try await score(pair.first, for: pair.prompt) - score(pair.second, for: pair.prompt)
        let p = Softmax.sigmoid(10 * d)
        return PairwiseJudgement(probabilityFirstBetter: p, verdict: p > 0.5 ? .first : p < 0.5 ? .second : .tie)
    }
}

@Test func aNewCriticTrainsEveryFeedbackLearner() async throws {
    let world = try HumorGymTesting.smallWorld(trainPrompts: 20, testPrompts: 5, oodPrompts: 5, candidatesPerPrompt: 8)
    let critic = KeepsTheWordsCritic()
    let prompts = world.prompts(.train)
    func meanScore(_ policy: TabularPolicy) async throws -> Double {
        var total = 0.0
        for prompt in prompts {
            let p = policy.probabilities(for: prompt)
            for (j, candidate) in world.candidates[prompt].enumerated() { total += p[j] * (try await critic.score(candidate, for: prompt)) }
        }
        return total / Double(prompts.count)
    }
    let start = TabularPolicy(candidates: world.candidates)
    let before = try await meanScore(start)
    // Its scores lie in [0, 1]: a small beta lets them matter.
    let learners: [any Algorithm] = [try RewardWeightedRegression(from: ParameterDictionary(["beta": 0.05])),
                                     try DirectPreferenceOptimization(from: ParameterDictionary(["beta": 0.05, "maxLengthRatio": 0]))]
    for learner in learners {
        var policy = start
        let context = TrainingContext(prompts: prompts, demonstrations: prompts.map { _ in [] }, critic: critic,
                                      optimizer: OptimizerSettings(learningRate: 0.2, batchSize: 32), seeds: SeedSequence(root: 7))
        _ = try await learner.train(&policy, context: context)
        let after = try await meanScore(policy)
        #expect(after > before + 0.02, "\(learner.name): the critic's expected score \(before) -> \(after)")
    }
}
