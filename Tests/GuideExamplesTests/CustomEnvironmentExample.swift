// docs/extending.md, "Using your own environment": feedback learners step a FeedbackEnvironment, so any
// type conforming to it trains with every learner. This one shapes the reward of the environment it wraps:
// each token of a response costs `penalty`, in the pointwise step and in the duel alike.
import Foundation
import HumorGym
import HumorGymTesting
import Learners
import Policies
import Stochastics
import Testing

final class LengthPenalty: FeedbackEnvironment {
    let base: any FeedbackEnvironment
    let penalty: Double

    init(_ base: any FeedbackEnvironment, penalty: Double) {
        self.base = base
        self.penalty = penalty
    }

    func reset(seed: UInt64?) -> [Prompt] { base.reset(seed: seed) }

    func step(_ responses: [[Text]]) async throws -> [[Double?]] {
        zip(responses, try await base.step(responses)).map { texts, rewards in
            zip(texts, rewards).map { text, reward in reward.map { $0 - penalty * Double(text.count) } }
        }
    }

    /// P(first better) moved by the length difference on the logit scale.
    func duel(_ pairs: [(first: Text, second: Text)?]) async throws -> [Double?] {
        zip(pairs, try await base.duel(pairs)).map { pair, p -> Double? in
            guard let pair, let p else { return nil }
            let logit = log(max(p, 1e-12) / max(1 - p, 1e-12)) - penalty * Double(pair.first.count - pair.second.count)
            return Softmax.sigmoid(logit)
        }
    }
}

@Test func yourOwnEnvironmentTrainsEveryFeedbackLearner() async throws {
    let world = try HumorGymTesting.smallWorld(trainPrompts: 20, testPrompts: 5, oodPrompts: 5, candidatesPerPrompt: 8)
    let prompts = world.prompts(.train)
    // A judge that likes length (one logit a token), and the same judge with length charged at twice that.
    let likesLength = ScriptedCritic(name: "likes-length", score: { text, _ in Double(text.count) }, compare: { pair in
        let p = Softmax.sigmoid(Double(pair.first.count - pair.second.count))
        return PairwiseJudgement(probabilityFirstBetter: p, verdict: p > 0.5 ? .first : p < 0.5 ? .second : .tie)
    })
    let plain = { HumorVectorEnvironment(prompts: prompts, critic: likesLength) }
    try await checkEnvironment({ LengthPenalty(plain(), penalty: 2) }, act: { (world.candidates[$0][1], world.candidates[$0][2]) })
    func meanLength(_ policy: TabularPolicy) -> Double {
        prompts.reduce(0.0) { total, prompt in
            total + zip(policy.probabilities(for: prompt), world.candidates[prompt]).reduce(0.0) { $0 + $1.0 * Double($1.1.count) }
        } / Double(prompts.count)
    }
    let start = TabularPolicy(candidates: world.candidates)
    // DPO without the length filter, which would keep only the pairs whose lengths barely differ.
    let learners: [any Algorithm] = [RewardWeightedRegression(), try DirectPreferenceOptimization(from: ParameterDictionary(["maxLengthRatio": 0]))]
    for learner in learners {
        var lengths: [Double] = []
        for environment in [plain(), LengthPenalty(plain(), penalty: 2)] as [any FeedbackEnvironment] {
            var policy = start
            let context = TrainingContext(prompts: prompts, demonstrations: prompts.map { _ in [] }, environment: environment,
                                          optimizer: OptimizerSettings(learningRate: 0.2, batchSize: 32), seeds: SeedSequence(root: 5))
            _ = try await learner.train(&policy, context: context)
            lengths.append(meanLength(policy))
        }
        #expect(lengths[0] > meanLength(start) && lengths[1] < meanLength(start), "\(learner.name): mean length \(meanLength(start)) -> \(lengths)")
    }
}
