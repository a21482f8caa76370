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
        parameters.schedule.epochs = 3000
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
        parameters.schedule.epochs = 3000
        var policy = reference
        _ = try RewardWeightedRegression(parameters).fit(&policy, on: samples, context: context(items: samples.count, learningRate: 0.05))
        let tv = totalVariation(policy, target)
        #expect(tv < 0.02, "TV distance to the closed-form optimum: \(tv)")
    }

    /// One judged pair on the tabular student: IPO settles the pair's log-ratio difference at exactly 1 / (2 beta),
    /// where sigmoid DPO pushes it on for ever; the hinge stops pushing once it reaches 1 / beta.
    @Test func ipoAndTheHingeReachTheirClosedFormMargins() throws {
        let reference = reference(), candidates = world.candidates[prompt]
        let pair = DirectPreferenceOptimization.PreferencePair(
            prompt: prompt, chosen: candidates[0], rejected: candidates[1], confidence: 1,
            referenceChosen: reference.logProbability(of: candidates[0], given: prompt),
            referenceRejected: reference.logProbability(of: candidates[1], given: prompt))
        func margin(_ loss: DirectPreferenceOptimization.Loss) throws -> Double {
            var parameters = DirectPreferenceOptimization.Parameters()
            parameters.beta = 0.5
            parameters.loss = loss
            parameters.schedule.epochs = 2000
            var policy = reference
            _ = try DirectPreferenceOptimization(parameters).fit(&policy, on: [pair], context: context(items: 1, learningRate: 0.01))
            return (policy.logProbability(of: pair.chosen, given: prompt) - pair.referenceChosen)
                - (policy.logProbability(of: pair.rejected, given: prompt) - pair.referenceRejected)
        }
        let ipo = try margin(.ipo), hinge = try margin(.hinge), sigmoid = try margin(.sigmoid(softLabels: false))
        #expect(abs(ipo - 1) < 1e-3, "IPO's margin \(ipo), closed form 1 / (2 beta) = 1")
        // Past the margin the hinge's gradient is zero; only Adam's momentum carries it a little further.
        #expect(hinge >= 2 - 1e-9 && hinge < 2.5, "the hinge's margin \(hinge): at least 1 / beta = 2")
        #expect(sigmoid > 2 * hinge, "sigmoid DPO's margin \(sigmoid) keeps growing on a certain preference")
    }

    /// Robust DPO is unbiased under label noise: its loss averaged over a label kept with probability 1 - e and
    /// flipped with probability e is DPO's loss on the clean label, for every margin (so it has DPO's optimum).
    @Test func robustDPOsExpectedLossUnderFlippedLabelsIsDPOsCleanLoss() {
        for e in [0.0, 0.1, 0.3, 0.45] {
            let robust = DirectPreferenceOptimization.Loss.robust(labelNoise: e)
            for h in stride(from: -6.0, through: 6.0, by: 0.75) {
                let kept = robust.value(h: h, beta: 0.7, confidence: 1), flipped = robust.value(h: -h, beta: 0.7, confidence: 1)
                let clean = DirectPreferenceOptimization.Loss.sigmoid(softLabels: false).value(h: h, beta: 0.7, confidence: 1)
                #expect(abs((1 - e) * kept.loss + e * flipped.loss - clean.loss) < 1e-12, "e \(e), h \(h)")
                // The slopes in h: a flipped label's loss is a function of -h.
                #expect(abs((1 - e) * kept.slope - e * flipped.slope - clean.slope) < 1e-12, "e \(e), h \(h)")
            }
        }
    }
}
