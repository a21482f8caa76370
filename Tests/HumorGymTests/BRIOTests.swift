import Foundation
import HumorGym
import HumorGymTesting
@testable import Learners
import Policies
import Stochastics
import Teachers
import Testing

@Suite struct BRIOTests {
    /// Four items as in `scripts/reference_losses.py`: three candidates of lengths 4, 6, 5 with a reference; two
    /// of length 3 with one; a reference without a ranking; a ranking without a reference.
    func example(alpha: Double) -> (BRIO, [BRIO.Item], [Double], margin: Double) {
        var parameters = BRIO.Parameters()
        parameters.rankingWeight = 10
        parameters.lengthPenalty = alpha
        let prompt = Prompt(id: 0, split: .train, text: Fixtures.tokens([1]))
        func text(_ length: Int, _ first: Int32) -> Text { Fixtures.tokens((0..<Int32(length)).map { first + $0 }) }
        let items = [
            BRIO.Item(prompt: prompt, ranked: [text(4, 10), text(6, 20), text(5, 30)], reference: text(2, 40)),
            BRIO.Item(prompt: prompt, ranked: [text(3, 60), text(3, 70)], reference: text(2, 80)),
            BRIO.Item(prompt: prompt, ranked: [], reference: text(3, 50)),
            BRIO.Item(prompt: prompt, ranked: [text(2, 90), text(2, 95)], reference: nil),
        ]
        let logProbabilities = [-6.0, -5.0, -9.0, -7.0, -3.0, -3.2, -2.0, -8.5, -1.0, -4.0]
        return (BRIO(parameters), items, logProbabilities, log(2) / pow(4.5, alpha))
    }

    @Test(arguments: [
        (1.0, 6.665327067910989, [-1.25, 0.4166666666666667, 0.5, -0.25, -0.8333333333333334, 0.8333333333333334, -0.25, -0.25, 0.0, 0.0]),
        (0.0, 9.840735902799725, [-2.5, 2.5, 0.0, -0.25, -2.5, 2.5, -0.25, -0.25, 0.0, 0.0]),
    ])
    func theLossMatchesTheReferenceScript(alpha: Double, value: Double, gradient: [Double]) {
        let (brio, items, logProbabilities, margin) = example(alpha: alpha)
        let l = brio.loss(items: items, logProbabilities: logProbabilities, margin: margin)
        #expect(abs(l.value - value) < 1e-12)
        #expect(zip(l.gradient, gradient).allSatisfy { abs($0 - $1) < 1e-12 }, "\(l.gradient)")
    }

    @Test func theLossByHand() {
        // One pair of equal length 2 ranked a over b, whole-sequence scores (alpha 0), margin log 2, gamma 1,
        // one reference: L = -log p(r) + max(0, log p(b) - log p(a) + log 2).
        var parameters = BRIO.Parameters()
        parameters.rankingWeight = 1
        parameters.lengthPenalty = 0
        let prompt = Prompt(id: 0, split: .train, text: Fixtures.tokens([1]))
        let item = BRIO.Item(prompt: prompt, ranked: [Fixtures.tokens([1, 2]), Fixtures.tokens([3, 4])], reference: Fixtures.tokens([5]))
        let violated = BRIO(parameters).loss(items: [item], logProbabilities: [-2, -2, -1], margin: log(2))
        #expect(abs(violated.value - (1 + log(2))) < 1e-12)
        #expect(violated.gradient == [-1, 1, -1])
        // a already more than twice as likely as b: only the cross-entropy is left.
        let met = BRIO(parameters).loss(items: [item], logProbabilities: [-1, -2, -1], margin: log(2))
        #expect(met.value == 1 && met.gradient == [0, 0, -1])
        #expect(met.metrics["ranking/accuracy"] == 1)
    }

    @Test func theGradientMatchesFiniteDifferences() {
        for alpha in [1.0, 0.0, 0.5] {
            let (brio, items, logProbabilities, margin) = example(alpha: alpha)
            let analytic = brio.loss(items: items, logProbabilities: logProbabilities, margin: margin).gradient
            let numeric = finiteDifferences(logProbabilities, indices: Array(logProbabilities.indices)) {
                brio.loss(items: items, logProbabilities: $0, margin: margin).value
            }
            #expect(zip(analytic, numeric).allSatisfy { abs($0 - $1) < 1e-7 }, "alpha \(alpha): \(analytic) vs \(numeric)")
        }
    }

    /// A tabular student whose candidates are exactly the teacher's three outputs per prompt, all of length L,
    /// ranked by a critic that prefers the smaller first token. The cross-entropy alone would make them equally
    /// likely; the ranking term asks for each to be twice as likely as the next (margin log(2)/L on scores
    /// log p / L), and at the joint optimum those margins hold with equality: p = (4, 2, 1) / 7 in rank
    /// order, whatever order the teacher wrote them in.
    @Test func onTheTeachersOutputsTheOptimumMakesEachRankTwiceAsLikelyAsTheNext() async throws {
        let length = 4
        let prompts = (0..<6).map { Prompt(id: $0, split: .train, text: Fixtures.tokens([Int32($0)])) }
        func text(rank: Int32, prompt: Int) -> Text { Fixtures.tokens([rank] + (1..<Int32(length)).map { Int32(100 * prompt) + $0 }) }
        // The teacher writes them in order 2, 1, 3 (by rank).
        let outputs = prompts.indices.map { p in [text(rank: 2, prompt: p), text(rank: 1, prompt: p), text(rank: 3, prompt: p)] }
        let ranksFirst = ScriptedCritic(name: "ranks", score: { text, _ in -Double(text.tokens[0]) }, compare: { pair in
            let d = pair.second.tokens[0] - pair.first.tokens[0]
            return PairwiseJudgement(probabilityFirstBetter: d > 0 ? 1 : d < 0 ? 0 : 0.5, verdict: d > 0 ? .first : d < 0 ? .second : .tie)
        })
        var policy = TabularPolicy(candidates: CandidateSets(outputs))
        var parameters = BRIO.Parameters()
        parameters.candidates = .teacher
        parameters.schedule = FeedbackSchedule(epochs: 3000, feedbackEvery: 3000)
        var optimizer = OptimizerSettings(learningRate: 0.05, batchSize: 6)
        optimizer.schedule.decaySteps = 3000  // a decaying step settles on the kink of the hinge
        optimizer.schedule.floor = 0.001
        let context = TrainingContext(prompts: prompts, demonstrations: outputs, critic: ranksFirst, optimizer: optimizer, seeds: SeedSequence(root: 3))
        let log = try await BRIO(parameters).train(&policy, context: context)
        #expect(log.first?.values["rankings"] == 6 && abs(log.first!.values["margin"]! - Foundation.log(2) / Double(length)) < 1e-12)
        for (prompt, texts) in zip(prompts, outputs) {
            let p = texts.map { exp(policy.logProbability(of: $0, given: prompt)) }
            // In the teacher's order: ranks 2, 1, 3.
            for (got, want) in zip(p, [2.0 / 7, 4.0 / 7, 1.0 / 7]) { #expect(abs(got - want) < 0.01, "\(p)") }
        }
    }

    /// With its own samples judged by a critic that likes length, BRIO makes the student write longer, and
    /// re-judging every epoch (iterative feedback) moves it further than judging once.
    @Test func feedbackRaisesWhatTheCriticPrefersAndMoreOftenRaisesItMore() async throws {
        let world = Fixtures.small
        let prompts = world.prompts(.train)
        let teacher = WorldTeacher(world: world, seed: 1)
        func meanLength(_ p: TabularPolicy) -> Double {
            prompts.reduce(0.0) { total, prompt in
                total + zip(p.probabilities(for: prompt), world.candidates[prompt]).reduce(0.0) { $0 + $1.0 * Double($1.1.count) }
            } / Double(prompts.count)
        }
        func trained(feedbackEvery: Int) async throws -> TabularPolicy {
            var parameters = BRIO.Parameters()
            parameters.candidates = .student(PairSelection.Critique(samples: 6, maxLengthRatio: 0))
            parameters.lengthPenalty = 0
            parameters.schedule = FeedbackSchedule(epochs: 10, feedbackEvery: feedbackEvery)
            var policy = TabularPolicy(candidates: world.candidates)
            let context = TrainingContext(prompts: prompts, demonstrations: prompts.map { teacher.outputs(for: $0, count: 3) },
                                          critic: ScriptedCritic.prefersLonger, optimizer: OptimizerSettings(learningRate: 0.2, batchSize: 8),
                                          seeds: SeedSequence(root: 4))
            _ = try await BRIO(parameters).train(&policy, context: context)
            return policy
        }
        let start = meanLength(TabularPolicy(candidates: world.candidates))
        let once = meanLength(try await trained(feedbackEvery: 10)), often = meanLength(try await trained(feedbackEvery: 1))
        #expect(once > start + 0.5 && often > once + 0.5, "mean length \(start) -> \(once) (judged once) -> \(often) (every epoch)")
    }

    /// Without its ranking term BRIO is imitation: the same examples, batches and steps, the same student.
    @Test func withoutTheRankingTermItIsImitationStepForStep() async throws {
        let world = Fixtures.small
        let prompts = world.prompts(.train)
        let teacher = WorldTeacher(world: world, seed: 1)
        // Each learner gets fresh streams from the same seeds.
        func context() -> TrainingContext {
            TrainingContext(prompts: prompts, demonstrations: prompts.map { teacher.outputs(for: $0, count: 3) },
                            critic: ScriptedCritic.prefersLonger, optimizer: OptimizerSettings(learningRate: 0.1, batchSize: 16), seeds: SeedSequence(root: 8))
        }
        var parameters = BRIO.Parameters()
        parameters.rankingWeight = 0
        var brio = TabularPolicy(candidates: world.candidates), imitation = brio
        let brioLog = try await BRIO(parameters).train(&brio, context: context())
        let imitationLog = try await Imitation().train(&imitation, context: context())
        #expect(brioLog.count == imitationLog.count && brioLog.map { $0.values["loss"] } == imitationLog.map { $0.values["loss"] })
        let same = brio.parameters == imitation.parameters
        #expect(same, "BRIO without its ranking term trained another student than imitation")
    }

    /// A round robin ranks each prompt's candidates by summed wins: with a critic that prefers length, longest
    /// first; a pair the filter rejects is not dueled (counting to neither side), and a prompt with one
    /// candidate, or none of whose duels was decided, has no ranking.
    @Test func aRoundRobinRanksByWinsAndSkipsFilteredPairs() async throws {
        func text(_ length: Int) -> Text { Fixtures.tokens((0..<Int32(length)).map { $0 + 1 }) }
        let prompts = (0..<3).map { Prompt(id: $0, split: .train, text: Fixtures.tokens([Int32($0)])) }
        let environment = HumorVectorEnvironment(prompts: prompts, critic: ScriptedCritic.prefersLonger)
        let candidates = Dictionary(uniqueKeysWithValues: zip(prompts, [[text(2), text(5), text(3), text(4)], [text(6)], [text(3), text(3)]]))
        let all = try await BRIO.roundRobin(candidates, episode: environment.reset(seed: nil), environment: environment) { _, _ in true }
        #expect(all.rankings.map(\.prompt) == prompts)
        #expect(all.rankings.map(\.ranked) == [[text(5), text(4), text(3), text(2)], [], [text(3), text(3)]])
        #expect(all.abstentions == 0)
        // Without the duels of length 5 against 2 and 3, the 5 wins once and the 4 twice: 4 ranks first.
        let filtered = try await BRIO.roundRobin(candidates, episode: environment.reset(seed: nil), environment: environment) { a, b in
            !(Set([a.count, b.count]) == [5, 2] || Set([a.count, b.count]) == [5, 3])
        }
        #expect(filtered.rankings[0].ranked == [text(4), text(5), text(3), text(2)])
    }

    @Test func aKeyOfTheOtherCandidateSourceIsUnknown() throws {
        #expect(throws: HumorGymError.self) { try BRIO(from: ParameterDictionary(["candidates": "teacher", "samples": 4])) }
        let student = try BRIO(from: ParameterDictionary(["samples": 4, "epochs": 10, "feedbackEvery": 5]))
        #expect(student.parameters.candidates == .student(PairSelection.Critique(samples: 4)))
        #expect(student.parameters.schedule.rounds == 2)
        let roundRobin = try BRIO(from: ParameterDictionary(["candidates": "student-round-robin", "maxLengthRatio": 0]))
        #expect(roundRobin.parameters.candidates == .studentRoundRobin(PairSelection.Critique(maxLengthRatio: 0)))
    }
}

@Suite struct FeedbackScheduleTests {
    @Test func thePapersSchedules() {
        // E = 10 with K = 10, 5, 1: 1, 2 and 10 rounds of feedback.
        #expect([10, 5, 1].map { FeedbackSchedule(epochs: 10, feedbackEvery: $0).rounds } == [1, 2, 10])
        let uneven = FeedbackSchedule(epochs: 10, feedbackEvery: 4)
        #expect((0..<uneven.rounds).map(uneven.epochs(inRound:)) == [4, 4, 2])
        #expect(FeedbackSchedule(epochs: 3, feedbackEvery: 10).rounds == 1)
        #expect(FeedbackSchedule(epochs: 0, feedbackEvery: 1).rounds == 0)
    }

    @Test func aLearnerTakesEveryEpochOfItsSchedule() async throws {
        let world = Fixtures.small
        let prompts = world.prompts(.train)
        var parameters = SelfDistillation.Parameters()
        parameters.critique.maxLengthRatio = 0
        parameters.schedule = FeedbackSchedule(epochs: 5, feedbackEvery: 2)
        var policy = TabularPolicy(candidates: world.candidates)
        let context = TrainingContext(prompts: prompts, demonstrations: prompts.map { _ in [] }, critic: ScriptedCritic.prefersLonger,
                                      optimizer: OptimizerSettings(learningRate: 0.1, batchSize: 1000), seeds: SeedSequence(root: 1))
        let log = try await SelfDistillation(parameters).train(&policy, context: context)
        // One batch per epoch: epochs 1-5 over rounds 1, 1, 2, 2, 3.
        #expect(log.map { $0.values["epoch"]! } == [1, 2, 3, 4, 5])
        #expect(log.map { $0.values["round"]! } == [1, 1, 2, 2, 3])
    }
}
