import Learners
import Critics
import Foundation
import HumorGym
import Policies
import Stochastics
import Testing

/// Tabular student, Bradley-Terry critic with utility u(y) = r(y) / temperature: the KL-regularised optimum
/// pi*(y) proportional to pi_ref(y) exp(u(y) / beta) is known in closed form, and DPO and RWR must reach it.
@Suite struct TheoryTests {
    let world = Fixtures.small
    let beta = 1.0
    var prompt: Prompt { world.prompts(.train)[3] }

    func critic() -> MockCritic {
        var c = MockCritic.Configuration()
        c.mode = .bradleyTerry
        c.temperature = 0.1
        return MockCritic(gold: world.goldJudge, configuration: c, seed: 1)
    }

    /// A non-uniform reference policy.
    func reference() -> TabularPolicy {
        var p = TabularPolicy(candidates: world.candidates)
        let stream = RandomStream(seed: 21)
        p.parameters = p.parameters.map { _ in stream.gaussian(sigma: 0.7) }
        return p
    }

    func optimum(reference: TabularPolicy) async throws -> [Double] {
        let critic = critic()
        var logits: [Double] = []
        for y in world.candidates[prompt] {
            logits.append(reference.logProbability(of: y, given: prompt) + (try await critic.score(y, for: prompt)) / beta)
        }
        return Softmax.probabilities(logits)
    }

    func totalVariation(_ policy: TabularPolicy, _ target: [Double]) -> Double {
        zip(world.candidates[prompt], target).reduce(0.0) { $0 + abs(exp(policy.logProbability(of: $1.0, given: prompt)) - $1.1) } / 2
    }

    func context(items: Int, learningRate: Double) -> TrainingContext {
        TrainingContext(prompts: [prompt], demonstrations: [[]], critic: critic(),
                        optimizer: OptimizerSettings(learningRate: learningRate, batchSize: items), seeds: SeedSequence(root: 1))
    }

    @Test func dpoReachesTheClosedFormOptimum() async throws {
        let reference = reference()
        let target = try await optimum(reference: reference)
        let candidates = world.candidates[prompt]
        // Every pair of the prompt's candidates, labelled by the critic in both orders (averaged).
        var requests: [PairRequest] = []
        for i in candidates.indices { for j in candidates.indices where j > i { requests.append(PairRequest(prompt: prompt, first: candidates[i], second: candidates[j])) } }
        let preferences = try await critic().preferenceBothOrders(requests)
        let pairs = zip(requests, preferences).map { request, p in
            let p = p!
            let (w, l) = p >= 0.5 ? (request.first, request.second) : (request.second, request.first)
            return DirectPreferenceOptimization.PreferencePair(
                prompt: prompt, chosen: w, rejected: l, confidence: max(p, 1 - p),
                referenceChosen: reference.logProbability(of: w, given: prompt), referenceRejected: reference.logProbability(of: l, given: prompt))
        }
        var parameters = DirectPreferenceOptimization.Parameters()
        parameters.beta = beta
        parameters.epochs = 3000
        var policy = reference
        let start = totalVariation(policy, target)
        _ = try DirectPreferenceOptimization(parameters).fit(&policy, on: pairs, context: context(items: pairs.count, learningRate: 0.05))
        let tv = totalVariation(policy, target)
        #expect(start > 0.2, "the reference must start far from the optimum (TV \(start))")
        #expect(tv < 0.02, "TV distance to the closed-form optimum: \(tv)")
    }

    @Test func rwrInExactExpectationReachesTheClosedFormOptimum() async throws {
        let reference = reference()
        let target = try await optimum(reference: reference)
        let critic = critic()
        var samples: [RewardWeightedRegression.WeightedExample] = []
        for y in world.candidates[prompt] {
            // E_{y ~ pi_ref}[exp(u / beta) log pi(y)]: each candidate weighted by pi_ref(y) exp(u(y) / beta).
            let u = try await critic.score(y, for: prompt)
            let weight = exp(reference.logProbability(of: y, given: prompt) + u / beta)
            samples.append(.init(example: Example(prompt: prompt, response: y), weight: weight))
        }
        let total = samples.reduce(0) { $0 + $1.weight }
        samples = samples.map { .init(example: $0.example, weight: $0.weight / total * Double(samples.count)) }
        var parameters = RewardWeightedRegression.Parameters()
        parameters.beta = beta
        parameters.weightClip = .infinity
        parameters.epochs = 3000
        var policy = reference
        _ = try RewardWeightedRegression(parameters).fit(&policy, on: samples, context: context(items: samples.count, learningRate: 0.05))
        let tv = totalVariation(policy, target)
        #expect(tv < 0.02, "TV distance to the closed-form optimum: \(tv)")
    }
}
