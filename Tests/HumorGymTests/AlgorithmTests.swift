import Experiments
import Foundation
import HumorGym
import HumorGymTesting
import Learners
import Policies
import Stochastics
import Teachers
import Testing

@Suite struct LossTests {
    @Test func imitationLossByHand() {
        let l = Imitation.loss(logProbabilities: [-1, -2, -3])
        #expect(l.value == 2)
        let third: Double = -1.0 / 3
        #expect(l.gradient == [third, third, third])
    }

    /// Pairs and expected values from `scripts/reference_losses.py` (plain Python, run and pasted).
    let pairs: [(Double, Double, Double, Double, Double)] = [(-2.0, -3.5, -2.5, -3.0, 0.9), (-1.2, -0.7, -1.0, -1.1, 0.6), (-4.0, -4.0, -3.0, -5.0, 1.0)]

    func dpo(soft: Bool) -> (DirectPreferenceOptimization, [DirectPreferenceOptimization.PreferencePair], [Double]) {
        dpo(loss: .sigmoid(softLabels: soft))
    }

    func dpo(loss: DirectPreferenceOptimization.Loss) -> (DirectPreferenceOptimization, [DirectPreferenceOptimization.PreferencePair], [Double]) {
        var parameters = DirectPreferenceOptimization.Parameters()
        parameters.beta = 0.5
        parameters.loss = loss
        let prompt = Prompt(id: 0, split: .train, text: Fixtures.tokens([1]))
        let made = pairs.map {
            DirectPreferenceOptimization.PreferencePair(prompt: prompt, chosen: Fixtures.tokens([1]), rejected: Fixtures.tokens([2]), confidence: $0.4,
                                                        referenceChosen: $0.2, referenceRejected: $0.3)
        }
        return (DirectPreferenceOptimization(parameters), made, pairs.flatMap { [$0.0, $0.1] })
    }

    @Test func dpoMatchesTheReferenceScript() {
        let (soft, softPairs, logProbs) = dpo(soft: true)
        let s = soft.loss(pairs: softPairs, logProbabilities: logProbs)
        #expect(abs(s.value - 0.8572313053889523) < 1e-12)
        let expectedSoft = [-0.046256778133024236, 0.046256778133024236, -0.02907375280194316, 0.02907375280194316, -0.12184309643833414, 0.12184309643833414]
        #expect(zip(s.gradient, expectedSoft).allSatisfy { abs($0 - $1) < 1e-12 })

        let (hard, hardPairs, _) = dpo(soft: false)
        let h = hard.loss(pairs: hardPairs, logProbabilities: logProbs)
        #expect(abs(h.value - 0.8805646387222855) < 1e-12)
        let expectedHard = [-0.0629234447996909, 0.0629234447996909, -0.09574041946860982, 0.09574041946860982, -0.12184309643833414, 0.12184309643833414]
        #expect(zip(h.gradient, expectedHard).allSatisfy { abs($0 - $1) < 1e-12 })
        // TRL's logged metrics: margins = chosen - rejected rewards; accuracy = share with a positive margin.
        #expect(abs(h.metrics["rewards/margins"]! - (h.metrics["rewards/chosen"]! - h.metrics["rewards/rejected"]!)) < 1e-12)
        #expect(h.metrics["rewards/accuracies"] == 1.0 / 3)
    }

    /// IPO, SLiC's hinge and robust DPO (noise 0.2) on the same pairs, against `scripts/reference_losses.py`.
    @Test(arguments: [
        (DirectPreferenceOptimization.Loss.ipo, 3.8533333333333335, [0.0, -1.0666666666666667, -2.0]),
        (.hinge, 1.2666666666666666, [-0.16666666666666666, -0.16666666666666666, -0.16666666666666666]),
        (.robust(labelNoise: 0.2), 0.9694535276111745, [-0.11847900035524649, -0.1512959750241654, -0.1773986519938897]),
    ])
    func dpoLossFamilyMatchesTheReferenceScript(loss: DirectPreferenceOptimization.Loss, value: Double, chosen: [Double]) {
        let (algorithm, made, logProbs) = dpo(loss: loss)
        let l = algorithm.loss(pairs: made, logProbabilities: logProbs)
        #expect(abs(l.value - value) < 1e-12, "\(loss): \(l.value)")
        // dL/dlogpi(chosen) per pair, and its negative for the rejected response.
        #expect(zip(l.gradient.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), chosen).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect((0..<3).allSatisfy { l.gradient[2 * $0] == -l.gradient[2 * $0 + 1] })
        let numeric = finiteDifferences(logProbs, indices: Array(logProbs.indices)) { algorithm.loss(pairs: made, logProbabilities: $0).value }
        #expect(zip(l.gradient, numeric).allSatisfy { abs($0 - $1) < 1e-7 }, "\(loss)")
    }

    /// RPO's term on top of soft-label DPO (alpha 0.4, chosen responses of two tokens), against the script.
    @Test func theChosenNLLTermMatchesTheReferenceScript() {
        var parameters = DirectPreferenceOptimization.Parameters()
        parameters.beta = 0.5
        parameters.chosenNLL = 0.4
        let prompt = Prompt(id: 0, split: .train, text: Fixtures.tokens([1]))
        let made = pairs.map {
            DirectPreferenceOptimization.PreferencePair(prompt: prompt, chosen: Fixtures.tokens([1, 2]), rejected: Fixtures.tokens([3]),
                                                        confidence: $0.4, referenceChosen: $0.2, referenceRejected: $0.3)
        }
        let logProbs = pairs.flatMap { [$0.0, $0.1] }
        let l = DirectPreferenceOptimization(parameters).loss(pairs: made, logProbabilities: logProbs)
        #expect(abs(l.value - 1.3372313053889524) < 1e-12)
        let expected = [-0.11292344479969091, 0.046256778133024236, -0.09574041946860982, 0.02907375280194316, -0.1885097631050008, 0.12184309643833414]
        #expect(zip(l.gradient, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(l.gradient)")
        let numeric = finiteDifferences(logProbs, indices: Array(logProbs.indices)) { DirectPreferenceOptimization(parameters).loss(pairs: made, logProbabilities: $0).value }
        #expect(zip(l.gradient, numeric).allSatisfy { abs($0 - $1) < 1e-8 })
    }

    @Test func theLossFamilyByHand() {
        // Past the margin the hinge is flat; robust DPO with no noise is DPO; IPO's loss is zero at h = 1 / (2 beta).
        let hinge = DirectPreferenceOptimization.Loss.hinge.value(h: 3, beta: 0.5, confidence: 1)
        #expect(hinge.loss == 0 && hinge.slope == 0)
        let robust = DirectPreferenceOptimization.Loss.robust(labelNoise: 0).value(h: 0.7, beta: 0.5, confidence: 0.8)
        let hard = DirectPreferenceOptimization.Loss.sigmoid(softLabels: false).value(h: 0.7, beta: 0.5, confidence: 0.8)
        #expect(abs(robust.loss - hard.loss) < 1e-15 && abs(robust.slope - hard.slope) < 1e-15)
        #expect(DirectPreferenceOptimization.Loss.ipo.value(h: 1, beta: 0.5, confidence: 1) == (0, 0))
    }

    @Test func theLossIsChosenInThePolicyFileWithOnlyItsOwnSettings() throws {
        func dpo(_ yaml: String) throws -> DirectPreferenceOptimization.Loss {
            try #require(try PolicySpec(yaml: yaml, file: "p.yaml").algorithm("dpo") as? DirectPreferenceOptimization).parameters.loss
        }
        #expect(try dpo("") == .sigmoid(softLabels: true))
        #expect(try dpo("algorithms: {dpo: {loss: ipo}}") == .ipo)
        #expect(try dpo("algorithms: {dpo: {loss: robust, labelNoise: 0.25}}") == .robust(labelNoise: 0.25))
        #expect(throws: HumorGymError("p.yaml:1: algorithms.dpo.loss: 'kto' is not one of sigmoid, ipo, hinge, robust")) { try dpo("algorithms: {dpo: {loss: kto}}") }
        #expect(throws: HumorGymError.self) { try dpo("algorithms: {dpo: {loss: ipo, softLabels: false}}") }  // not IPO's setting
        #expect(throws: HumorGymError("p.yaml:1: algorithms.dpo.labelNoise: must be in 0.0...0.49, got 0.5")) { try dpo("algorithms: {dpo: {loss: robust, labelNoise: 0.5}}") }
    }

    @Test func dpoGradientMatchesFiniteDifferences() {
        let (algorithm, made, logProbs) = dpo(soft: true)
        let analytic = algorithm.loss(pairs: made, logProbabilities: logProbs).gradient
        let numeric = finiteDifferences(logProbs, indices: Array(logProbs.indices)) { algorithm.loss(pairs: made, logProbabilities: $0).value }
        #expect(zip(analytic, numeric).allSatisfy { abs($0 - $1) < 1e-8 })
    }

    @Test func rwrWeightsMatchTheReferenceScript() {
        let w = RewardWeightedRegression.weights(rewards: [1, 2, 0.5, 3], beta: 2, clip: 5)
        let expected = [0.6508505765316134, 1.0730711895751126, 0.5068829386652958, 1.7691952952279777]
        #expect(zip(w, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        let clipped = RewardWeightedRegression.weights(rewards: [0, 10, 0], beta: 1, clip: 2)
        #expect(clipped[1] == 2 && abs(clipped[0] - 0.00013618742348853272) < 1e-15)
        let l = RewardWeightedRegression.loss(logProbabilities: [-1, -2], weights: [0.5, 1.5])
        #expect(l.value == 1.75)
        #expect(l.gradient == [-0.25, -0.75])
    }

    @Test func endToEndGradientThroughThePolicyMatchesFiniteDifferences() {
        // DPO's loss as a function of the log-linear student's parameters: pull-back of dL/dlogpi vs. FD of L.
        let world = Fixtures.small
        let features = LogLinearPolicy.Features(map: FeatureMap(dimension: 32), prompts: world.allPrompts, candidates: world.candidates)
        var policy = LogLinearPolicy(candidates: world.candidates, features: features)
        let stream = RandomStream(seed: 8)
        policy.parameters = policy.parameters.map { _ in stream.gaussian(sigma: 0.3) }
        let reference = policy
        policy.parameters = policy.parameters.map { $0 + stream.gaussian(sigma: 0.1) }
        let made = world.prompts(.train).prefix(5).map { p in
            DirectPreferenceOptimization.PreferencePair(
                prompt: p, chosen: world.candidates[p][1], rejected: world.candidates[p][2], confidence: 0.8,
                referenceChosen: reference.logProbability(of: world.candidates[p][1], given: p),
                referenceRejected: reference.logProbability(of: world.candidates[p][2], given: p))
        }
        let examples = made.flatMap { [Example(prompt: $0.prompt, response: $0.chosen), Example(prompt: $0.prompt, response: $0.rejected)] }
        let algorithm = DirectPreferenceOptimization()
        let (logProbs, pullback) = policy.logProbabilitiesWithPullback(examples)
        let analytic = pullback(algorithm.loss(pairs: made, logProbabilities: logProbs).gradient)
        let numeric = finiteDifferences(policy.parameters, indices: Array(0..<32)) { theta in
            var p = policy
            p.parameters = theta
            return algorithm.loss(pairs: made, logProbabilities: p.logProbabilities(examples)).value
        }
        for i in 0..<32 { #expect(abs(analytic[i] - numeric[i]) < 1e-7, "parameter \(i)") }
    }
}

@Suite struct TrainingTests {
    let world = Fixtures.small

    func context(critic: any Critic, batchSize: Int = 16, learningRate: Double = 0.1, progress: @escaping @Sendable (StepMetrics) -> Bool = { _ in true }) -> TrainingContext {
        let teacher = WorldTeacher(world: world, seed: 1)
        let prompts = world.prompts(.train)
        return TrainingContext(prompts: prompts, demonstrations: prompts.map { teacher.outputs(for: $0, count: 3) }, critic: critic,
                               optimizer: OptimizerSettings(learningRate: learningRate, batchSize: batchSize), seeds: SeedSequence(root: 5),
                               progress: progress)
    }

    @Test func imitationRaisesTheLikelihoodOfTheTeachersOutputs() async throws {
        var policy = TabularPolicy(candidates: world.candidates)
        let c = context(critic: MockCritic(gold: world.goldJudge, seed: 1))
        let before = policy.logProbabilities(c.demonstrationExamples).reduce(0, +)
        let log = try await Imitation().train(&policy, context: c)
        #expect(policy.logProbabilities(c.demonstrationExamples).reduce(0, +) > before + 50)
        #expect(log.count == 4 * Int((Double(c.demonstrationExamples.count) / 16).rounded(.up)))
        #expect(log.last!.values["loss"]! < log.first!.values["loss"]!)
    }

    @Test func theProgressCallbackStopsTraining() async throws {
        var policy = TabularPolicy(candidates: world.candidates)
        let log = try await Imitation().train(&policy, context: context(critic: MockCritic(gold: world.goldJudge, seed: 1), progress: { $0.step < 3 }))
        #expect(log.count == 3)
    }

    @Test func aNonFiniteLossStopsWithAnErrorNamingTheStep() async throws {
        var policy = TabularPolicy(candidates: world.candidates)
        var c = context(critic: MockCritic(gold: world.goldJudge, seed: 1))
        c.demonstrations[0] = [Fixtures.tokens([9999])]  // not a candidate: log pi = -infinity
        await #expect {
            try await Imitation().train(&policy, context: c)
        } throws: { error in
            (error as? HumorGymError)?.message.contains("non-finite") == true && (error as? HumorGymError)?.message.contains("step") == true
        }
    }

    @Test func feedbackLearnersFollowAScriptedCritic() async throws {
        // A critic that only likes length: both learners must make the student's samples longer.
        let start = TabularPolicy(candidates: world.candidates)
        func meanLength(_ p: TabularPolicy) -> Double {
            let prompts = world.prompts(.train)
            return prompts.reduce(0.0) { sum, prompt in
                sum + zip(world.candidates[prompt], world.candidates[prompt].map { exp(p.logProbability(of: $0, given: prompt)) })
                    .reduce(0.0) { $0 + Double($1.0.count) * $1.1 }
            } / Double(prompts.count)
        }
        var parameters = DirectPreferenceOptimization.Parameters()
        parameters.critique.maxLengthRatio = 0
        var dpoPolicy = start
        let dpoLog = try await DirectPreferenceOptimization(parameters).train(&dpoPolicy, context: context(critic: ScriptedCritic.prefersLonger))
        #expect(meanLength(dpoPolicy) > meanLength(start) + 1)
        #expect(dpoLog.last!.values["rewards/accuracies"]! > 0.5)
        var rwrPolicy = start
        _ = try await RewardWeightedRegression().train(&rwrPolicy, context: context(critic: ScriptedCritic.prefersLonger))
        #expect(meanLength(rwrPolicy) > meanLength(start) + 1)
    }

    @Test func pairSelectionKeepsTheMostDifferentPairAndFiltersLength() {
        #expect(PairSelection.editDistance([1, 2, 3], [1, 3]) == 1)
        #expect(PairSelection.editDistance([], [4, 5]) == 2)
        #expect(PairSelection.editDistance([1, 2, 3, 4], [4, 3, 2, 1]) == 4)
        let a = Fixtures.tokens([1, 2, 3, 4]), b = Fixtures.tokens([1, 2, 3, 5]), c = Fixtures.tokens([9, 8, 7, 6])
        #expect(PairSelection.mostDifferentPair([a, b, c], maxLengthRatio: 1.25).map { [$0.0, $0.1] } == [a, c])
        #expect(PairSelection.mostDifferentPair([a, a], maxLengthRatio: 0) == nil)
        #expect(PairSelection.mostDifferentPair([a, Fixtures.tokens([1])], maxLengthRatio: 1.25) == nil)
        #expect(PairSelection.mostDifferentPair([a, Fixtures.tokens([1])], maxLengthRatio: 0) != nil)
    }
}
