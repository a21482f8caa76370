import Critics
import Experiments
import Foundation
import HumorGym
import HumorGymTesting
import Stochastics
import Teachers
import Testing

@Suite struct MockCriticTests {
    let world = Fixtures.small

    @Test func bradleyTerryProbabilityIsTheLogisticOfTheGoldDifference() async throws {
        var c = MockCritic.Configuration()
        c.mode = .bradleyTerry
        c.temperature = 0.1
        let critic = MockCritic(gold: world.goldJudge, configuration: c, seed: 1)
        let p = world.prompts(.train)[2]
        let a = world.candidates[p][0], b = world.candidates[p][4]
        let ra = world.goldJudge.judge(a, for: p).total, rb = world.goldJudge.judge(b, for: p).total
        let j = try await critic.compare(PairRequest(prompt: p, first: a, second: b))
        #expect(abs(j.probabilityFirstBetter! - 1 / (1 + exp(-(ra - rb) / 0.1))) < 1e-12)
        #expect(try await critic.score(a, for: p) == ra / 0.1)
    }

    @Test func positionAndLengthBiasesEnterTheLogitAsDocumented() async throws {
        var c = MockCritic.Configuration()
        c.noise = 0
        c.tasteNoise = 0
        c.positionBias = 0.7
        c.lengthBias = 0.2
        let critic = MockCritic(gold: world.goldJudge, configuration: c, seed: 1)
        let p = world.prompts(.train)[0]
        let same = try await critic.compare(PairRequest(prompt: p, first: p.text, second: p.text))
        #expect(abs(same.probabilityFirstBetter! - 1 / (1 + exp(-0.7))) < 1e-12)
        #expect(same.verdict == .first)
        let longer = Fixtures.tokens(p.text.tokens + p.text.tokens)
        let u = { (t: Text) in world.goldJudge.judge(t, for: p).total / c.temperature + 0.2 * Double(t.count) }
        let j = try await critic.compare(PairRequest(prompt: p, first: longer, second: p.text))
        #expect(abs(j.probabilityFirstBetter! - 1 / (1 + exp(-(u(longer) - u(p.text) + 0.7)))) < 1e-9)
        #expect(try await critic.score(longer, for: p) == u(longer))
    }

    @Test func tiesWithinTheMargin() async throws {
        var c = MockCritic.Configuration()
        c.noise = 0; c.tasteNoise = 0; c.positionBias = 0; c.tieMargin = 0.01
        let critic = MockCritic(gold: world.goldJudge, configuration: c, seed: 1)
        let p = world.prompts(.train)[0]
        #expect(try await critic.compare(PairRequest(prompt: p, first: p.text, second: p.text)).verdict == .tie)
    }

    @Test func sameSeedSameVerdictsInTheSameOrder() async throws {
        let p = world.prompts(.test)[1]
        let pairs = (1..<10).map { PairRequest(prompt: p, first: world.candidates[p][0], second: world.candidates[p][$0]) }
        let a = try await MockCritic(gold: world.goldJudge, seed: 99).compare(pairs)
        let b = try await MockCritic(gold: world.goldJudge, seed: 99).compare(pairs)
        let c = try await MockCritic(gold: world.goldJudge, seed: 100).compare(pairs)
        #expect(a == b)
        #expect(a != c)
        // The batch form and the single form draw the same numbers.
        let single = MockCritic(gold: world.goldJudge, seed: 99)
        var one: [PairwiseJudgement] = []
        for pair in pairs { one.append(try await single.compare(pair)) }
        #expect(one == a)
    }

    @Test func selfPreferenceFavoursTheTeachersTaste() async throws {
        let teacher = WorldTeacher(world: world, seed: 4)
        var c = MockCritic.Configuration()
        c.noise = 0; c.tasteNoise = 0; c.positionBias = 0; c.lengthBias = 0; c.teacherPreference = 5
        let critic = MockCritic(gold: world.goldJudge, configuration: c, seed: 1, idiosyncrasy: { teacher.idiosyncrasy($0, for: $1) })
        let p = world.prompts(.train)[0], y = world.candidates[p][3]
        let expected = world.goldJudge.judge(y, for: p).total / c.temperature + 5 * teacher.idiosyncrasy(y, for: p)
        #expect(abs(try await critic.score(y, for: p) - expected) < 1e-9)
    }
}

@Suite struct ExperimentCriticTests {
    @Test func selfPreferenceIsForTheRunsOwnTeacher() async throws {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 20; env.paraphrase.testPrompts = 5; env.paraphrase.oodPrompts = 5
        env.mock.noise = 0; env.mock.tasteNoise = 0; env.mock.lengthBias = 0; env.mock.teacherPreference = 3
        let experiment = try Experiment(environment: env, policy: PolicySpec())
        let run = try await experiment.run(seed: 4)
        let critic = experiment.critic(seed: 99, run: run)
        let p = experiment.world.prompts(.train)[0], y = experiment.world.candidates[p][2]
        let expected = try #require(experiment.gold).judge(y, for: p).total / env.mock.temperature + 3 * run.idiosyncrasy!(y, p)
        #expect(abs(try await critic.score(y, for: p) - expected) < 1e-9)
        // The teacher whose outputs the run trains on is the one the critic prefers.
        #expect(try await run.teacher.demonstrations(for: [p], count: 3) == [run.teacherOutputs.train[0]])
    }
}

@Suite struct CriticDiagnosticsTests {
    @Test func handComputedOnAScriptedCritic() async throws {
        let world = Fixtures.small
        let p = world.prompts(.test)[0]
        let short = p.text, long = Fixtures.tokens(p.text.tokens + p.text.tokens)  // gold prefers the short copy
        let pairs = [PairRequest(prompt: p, first: short, second: long), PairRequest(prompt: p, first: long, second: short)]
        let d = try await CriticDiagnostics.measure(critic: ScriptedCritic.prefersLonger, gold: world.goldJudge, pairs: pairs)
        #expect(d.agreement == .init(count: 0, denominator: 2))
        #expect(d.positionFlips == .init(count: 0, denominator: 2))
        #expect(d.lengthBias == .init(count: 2, denominator: 2))

        // A critic that always says "first" flips on every pair.
        let firstAlways = ScriptedCritic(score: { _, _ in 0 }, compare: { _ in PairwiseJudgement(probabilityFirstBetter: 0.75, verdict: .first) })
        let f = try await CriticDiagnostics.measure(critic: firstAlways, gold: world.goldJudge, pairs: pairs)
        #expect(f.positionFlips == .init(count: 2, denominator: 2))
        #expect(f.ties == .init(count: 2, denominator: 2))  // 0.75 and 1 - 0.75 average to exactly 1/2: a tie
        #expect(f.agreement.denominator == 0)

        let abstaining = ScriptedCritic(score: { _, _ in 0 }, compare: { _ in PairwiseJudgement(probabilityFirstBetter: nil, verdict: .abstain) })
        let a = try await CriticDiagnostics.measure(critic: abstaining, gold: world.goldJudge, pairs: pairs)
        #expect(a.abstentions == .init(count: 4, denominator: 4))

        // The judge card's biases: the length-lover names the longer in all 4 single verdicts, the first shown in 2;
        // "always first" names the first in all 4, the longer in 2; the abstainer decides none.
        #expect(d.prefersFirst == .init(count: 2, denominator: 4) && d.prefersLonger == .init(count: 4, denominator: 4))
        #expect(f.prefersFirst == .init(count: 4, denominator: 4) && f.prefersLonger == .init(count: 2, denominator: 4))
        #expect(a.prefersFirst == .init(count: 0, denominator: 0))
    }

    /// Three repeats whose P(first) on the one pair is 0.2, 0.5 and 0.8 forward and always 0.5 backward: the
    /// sample variances are 0.09 and 0, their mean 0.045; forward the verdicts differ, backward every repeat ties.
    @Test func repeatsVarianceIsHandComputed() async throws {
        let world = Fixtures.small
        let p = world.prompts(.test)[0]
        let pair = PairRequest(prompt: p, first: p.text, second: Fixtures.tokens(p.text.tokens + p.text.tokens))
        let critics = [0.2, 0.5, 0.8].map { forward in
            ScriptedCritic(score: { _, _ in 0 }, compare: { asked in
                let q = asked.first == pair.first ? forward : 0.5
                return PairwiseJudgement(probabilityFirstBetter: q, verdict: q > 0.5 ? .first : q < 0.5 ? .second : .tie)
            })
        }
        let r = try await RepeatedJudgements.measure(critics: critics, pairs: [pair])
        #expect(r.repeats == 3 && abs(r.meanVariance! - 0.045) < 1e-12)
        #expect(r.unanimous == .init(count: 0, denominator: 0))  // no order has a decisive verdict in every repeat
        let decisive = try await RepeatedJudgements.measure(critics: [critics[0], critics[0]], pairs: [pair])
        #expect(decisive.meanVariance == 0 && decisive.unanimous == .init(count: 1, denominator: 1))  // forward: "second" twice
        let one = try await RepeatedJudgements.measure(critics: [critics[2]], pairs: [pair])
        #expect(one.meanVariance == nil)
    }

    /// A critic that always prefers the first shown (the teacher's, in one order) averages to a tie and shows no
    /// self-preference; one that always picks the teacher's text, whatever its slot, is +x points over gold.
    @Test func selfPreferenceIsTheCriticsShareOverGolds() async throws {
        let world = Fixtures.small
        let prompts = Array(world.prompts(.test).prefix(4))
        let gold = world.goldJudge
        // The teacher's text is the prompt itself; the other is the prompt twice, which gold likes less.
        let pairs = prompts.map { PairRequest(prompt: $0, first: $0.text, second: Fixtures.tokens($0.text.tokens + $0.text.tokens)) }
        let goldShare = pairs.filter { gold.judge($0.first, for: $0.prompt).total > gold.judge($0.second, for: $0.prompt).total }.count
        let teachers = Set(pairs.map(\.first))
        let loyal = ScriptedCritic(score: { _, _ in 0 }, compare: { asked in
            teachers.contains(asked.first) ? PairwiseJudgement(probabilityFirstBetter: 1, verdict: .first)
                : PairwiseJudgement(probabilityFirstBetter: 0, verdict: .second)
        })
        let s = try await SelfPreference.measure(critic: loyal, gold: gold, pairs: pairs)
        #expect(s.critic == .init(count: 4, denominator: 4) && s.gold == .init(count: goldShare, denominator: 4))
        #expect(abs(s.points - (100 - 25 * Double(goldShare))) < 1e-12)
        let positional = ScriptedCritic(score: { _, _ in 0 }, compare: { _ in PairwiseJudgement(probabilityFirstBetter: 0.75, verdict: .first) })
        let none = try await SelfPreference.measure(critic: positional, gold: gold, pairs: pairs)
        #expect(none.critic.denominator == 0)  // every pair averages to a tie: nothing decided, nothing to prefer
    }

    @Test func theDefaultMockReproducesThePapersMCPFigures() async throws {
        // The same pairs and seed as `humorgym diagnose-critic` with no arguments.
        let experiment = try Experiment(environment: EnvironmentSpec(), policy: PolicySpec())
        let run = try await experiment.run(seed: 0)
        let d = try await CriticDiagnostics.measure(critic: experiment.critic(seed: run.seeds.seed(for: "diagnostics"), run: run),
                                                    gold: experiment.gold, pairs: experiment.teacherPairs(.test, run: run))
        #expect(abs(d.agreement.percent - 76) <= 3, "agreement \(d.agreement.percent)")
        #expect(abs(d.positionFlips.percent - 15) <= 3, "position flips \(d.positionFlips.percent)")
        #expect(abs(d.lengthBias.percent - 20) <= 3, "length bias \(d.lengthBias.percent)")
    }
}
