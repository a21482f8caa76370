import Critics
import Experiments
import HumorGym
import HumorGymTesting
import Stochastics
import Testing

@Suite struct EvaluatorTests {
    let world = Fixtures.small

    @Test func winOrTieAndAbstentionRatesByHandForGoldAndForACritic() async throws {
        let p = world.prompts(.test)[0]
        let copy = p.text, doubled = Fixtures.tokens(p.text.tokens + p.text.tokens)
        let students = [copy, doubled, copy].map { Example(prompt: p, response: $0) }
        let teacher = [doubled, copy, copy]
        // Gold: the copy beats its doubled self, the doubled loses, the copy ties with itself: 2 of 3.
        #expect(try await Evaluator(.gold(world.goldJudge)).rates(student: students, teacher: teacher) == (200.0 / 3, nil))
        // A critic that prefers the longer: loses, wins, ties (in both orders): 2 of 3 again, but the others.
        #expect(try await Evaluator(.critic(ScriptedCritic.prefersLonger)).rates(student: students, teacher: teacher) == (200.0 / 3, 0))
        let firstAlways = ScriptedCritic(score: { _, _ in 0 }, compare: { _ in PairwiseJudgement(probabilityFirstBetter: 1, verdict: .first) })
        // Position bias alone: the student wins when shown first and loses when shown second.
        #expect(try await Evaluator(.critic(firstAlways)).rates(student: students, teacher: teacher) == (50, 0))
        let abstaining = ScriptedCritic(score: { _, _ in 0 }, compare: { _ in PairwiseJudgement(probabilityFirstBetter: nil, verdict: .abstain) })
        #expect(try await Evaluator(.critic(abstaining)).rates(student: students, teacher: teacher) == (0, 100))
    }

    /// The known answer for length-controlled WTR: a judge whose preference is length alone (a mock critic
    /// blind to gold, with per-call noise so the outcomes are not separable), against students longer than the
    /// teacher 3 times in 4. Raw WTR is far above 50; controlled for length it is near 50.
    @Test func aJudgeOfLengthAloneGivesLengthControlledWTRNearFifty() async throws {
        var taste = MockCritic.Configuration()
        (taste.temperature, taste.tasteNoise, taste.positionBias, taste.lengthBias, taste.noise) = (1e6, 0, 0, 0.5, 1)
        let judge = Evaluator(.critic(MockCritic(gold: Fixtures.default.goldJudge, configuration: taste, seed: 5)))
        let stream = RandomStream(seed: 8)
        var students: [Example] = [], teacher: [Text] = []
        for prompt in Fixtures.default.prompts(.test).prefix(400) {
            let extra = Int((2 + stream.gaussian(sigma: 3)).rounded())  // tokens added to (or cut from) the teacher's output
            let base = prompt.text.tokens + prompt.text.tokens
            students.append(Example(prompt: prompt, response: Fixtures.tokens(Array((base + base).prefix(max(1, base.count + extra))))))
            teacher.append(Fixtures.tokens(base))
        }
        let outcomes = try await judge.judge(student: students, teacher: teacher)
        let raw = Evaluator.rates(outcomes, abstains: true).winOrTie
        let controlled = SplitMetrics.lengthControlledWTR(students, teacher, outcomes)
        #expect(raw > 65, "raw WTR \(raw)")
        #expect(abs(controlled - 50) < 4, "LC-WTR \(controlled)")
    }

    @Test func evaluatorAndDecodingComeFromTheEnvironmentSpec() async throws {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 40; env.paraphrase.testPrompts = 15; env.paraphrase.oodPrompts = 15
        func wtr(_ spec: EnvironmentSpec) async throws -> Double {
            let r = try await Comparison(experiment: Experiment(environment: spec, policy: PolicySpec()), algorithms: ["imitation"], seedCount: 1, rootSeed: 1).run().report
            return r.runs[0].metrics["test"]!.wtr
        }
        let gold = try await wtr(env)
        var byCritic = env
        byCritic.simulated.evaluator = .critic
        var byMock = env
        var lenient = MockCritic.Configuration()
        lenient.tieMargin = 0.5  // every verdict a tie: every comparison a win or tie
        byMock.simulated.evaluator = .separate(.mock(lenient))
        var greedy = env
        greedy.evaluation.decoding = .greedy
        #expect(try await wtr(byMock) == 100)
        let viaCritic = try await wtr(byCritic), viaGreedy = try await wtr(greedy)
        #expect(viaCritic != gold && viaCritic > 0 && viaCritic < 100, "critic \(viaCritic) gold \(gold)")
        #expect(viaGreedy != gold)
        let parsed = try EnvironmentSpec(yaml: "evaluator:\n  kind: mock\n  tieMargin: 0.5\nevaluation:\n  decoding: greedy\n", file: "e.yaml")
        // A mock evaluator from a file has a taste of its own (tasteSeed 2), not the training critic's (1).
        var ownTaste = lenient
        ownTaste.tasteSeed = 2
        #expect(parsed.simulated.evaluator == .separate(.mock(ownTaste)) && parsed.evaluation.decoding == .greedy)
    }
}
