import HumorGym
import Stochastics

/// The metrics of one policy on one split, as the paper reports them plus the simulation's own.
public struct SplitMetrics: Sendable, Codable, Equatable {
    /// Win-or-tie rate against the teacher, x100, by the evaluator.
    public var wtr: Double
    /// The evaluator's win-or-tie rate with the length difference controlled for (``LengthControlledWinRate``):
    /// what WTR would be if student and teacher wrote equally long answers.
    public var lcWTR: Double
    /// Share of the evaluator's judgements without a verdict, x100 (an LLM's abstentions); nil for the gold judge.
    public var abstentions: Double?
    /// Mean gold total and its parts; nil in a world without a gold judge (human jokes).
    public var gold: Double?
    public var humor: Double?
    public var consistency: Double?
    public var fluency: Double?
    /// Mean score of the training critic (a fresh stream) over the responses it scored; nil if it scored none.
    public var critic: Double?
    /// KL(pi || pi_start), estimated from the policy's own samples: mean of log pi(y) - log pi_start(y).
    public var kl: Double
    /// Mean response length over prompt length.
    public var lengthRatio: Double
    /// WTR by each further judge of an evaluation panel, by name (nil without a panel): the same responses
    /// against the same teacher outputs, judged again.
    public var panel: [String: Double]?

    /// The metrics in report order, with their column names; nil where a metric does not exist here.
    public static let fields: [(name: String, label: String, value: @Sendable (SplitMetrics) -> Double?)] = [
        ("wtr", "WTR", { $0.wtr }), ("lcWTR", "LC-WTR", { $0.lcWTR }), ("abstentions", "abst%", { $0.abstentions }), ("gold", "gold", { $0.gold }), ("humor", "humor", { $0.humor }),
        ("consistency", "consist", { $0.consistency }), ("fluency", "fluency", { $0.fluency }), ("critic", "critic", { $0.critic }),
        ("kl", "KL", { $0.kl }), ("lengthRatio", "len/x", { $0.lengthRatio }),
    ]

    /// Measures `policy` on `prompts`: its metrics, and each prompt's WTR for paired per-prompt tests. With `greedy` decoding each prompt's response is the policy's most
    /// likely one (the paper decodes with beam search) and is judged against each of the teacher's N outputs;
    /// otherwise `samples` responses are drawn and sample i meets teacher output i mod N. KL always uses
    /// `samples` fresh samples.
    public static func measure<P: Policy>(
        policy: P, start: P, prompts: [Prompt], teacherOutputs: [[Text]], greedy: Bool, samples: Int,
        gold: (any GoldJudge)?, evaluator: Evaluator, critic: any Critic, panel: [(name: String, judge: Evaluator)] = [],
        stream: RandomStream
    ) async throws -> SplitMeasurement {
        var students: [Example] = [], references: [Text] = [], drawn: [Example] = []
        var owners: [Int] = []  // the prompt each student example answers
        let allSamples = policy.sample(prompts, count: samples, using: stream)
        let answered = zip(prompts, teacherOutputs).filter { !$0.1.isEmpty }.map(\.0)
        var bestGuesses = (greedy ? policy.mostLikely(answered) : [])[...]
        for (index, ((prompt, outputs), sampled)) in zip(zip(prompts, teacherOutputs), allSamples).enumerated() where !outputs.isEmpty {
            drawn += sampled.map { Example(prompt: prompt, response: $0) }
            if greedy {
                let best = bestGuesses.removeFirst()
                for output in outputs {
                    students.append(Example(prompt: prompt, response: best))
                    references.append(output)
                    owners.append(index)
                }
            } else {
                for (i, response) in sampled.enumerated() {
                    students.append(Example(prompt: prompt, response: response))
                    references.append(outputs[i % outputs.count])
                    owners.append(index)
                }
            }
        }
        guard !students.isEmpty else { throw HumorGymError("evaluation: no prompt on this split has a teacher output") }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        let scores = gold.map { gold in students.map { gold.judge($0.response, for: $0.prompt) } }
        let criticScores = try await critic.scoresOrAbstentions(students).compactMap { $0 }
        let kl = zip(policy.logProbabilities(drawn), start.logProbabilities(drawn)).reduce(0.0) { $0 + $1.0 - $1.1 }
        let outcomes = try await evaluator.judge(student: students, teacher: references)
        let judged = Evaluator.rates(outcomes, abstains: evaluator.isCritic)
        var promptWins = [Int](repeating: 0, count: prompts.count), promptJudgements = promptWins
        for (outcome, owner) in zip(outcomes, owners) {
            promptWins[owner] += outcome.winsOrTies
            promptJudgements[owner] += 2
        }
        var panelRates: [String: Double]? = panel.isEmpty ? nil : [:]
        for (name, judge) in panel { panelRates?[name] = try await judge.rates(student: students, teacher: references).winOrTie }
        let metrics = SplitMetrics(
            wtr: judged.winOrTie, lcWTR: lengthControlledWTR(students, references, outcomes), abstentions: judged.abstentions,
            gold: scores.flatMap { mean($0.map(\.total)) }, humor: scores.flatMap { mean($0.map(\.humor)) },
            consistency: scores.flatMap { mean($0.map(\.consistency)) }, fluency: scores.flatMap { mean($0.map(\.fluency)) },
            critic: mean(criticScores), kl: kl / Double(drawn.count),
            lengthRatio: students.reduce(0.0) { $0 + Double($1.response.count) / Double(max(1, $1.prompt.text.count)) } / Double(students.count),
            panel: panelRates)
        return SplitMeasurement(metrics: metrics, promptWTR: zip(promptWins, promptJudgements).map { $1 == 0 ? nil : 100 * Double($0) / Double($1) })
    }

    /// The evaluator's judgements fitted with their length differences (student - teacher, in tokens), each
    /// order one judgement: ``LengthControlledWinRate``'s win rate.
    public static func lengthControlledWTR(_ students: [Example], _ references: [Text], _ outcomes: [Evaluator.PairOutcome]) -> Double {
        var judgements: [LengthControlledWinRate.Outcome] = []
        for ((student, reference), outcome) in zip(zip(students, references), outcomes) {
            let difference = Double(student.response.count - reference.count)
            for order in 0..<2 { judgements.append(.init(lengthDifference: difference, win: order < outcome.winsOrTies)) }
        }
        return LengthControlledWinRate.fit(judgements).winRate
    }
}

/// A policy measured on one split: its metrics, and each prompt's WTR by the evaluator (x100 over that
/// prompt's judgements, in the split's prompt order; nil where the prompt has no teacher output), which
/// paired per-prompt tests compare between learners of one seed.
public struct SplitMeasurement: Sendable {
    public var metrics: SplitMetrics
    public var promptWTR: [Double?]
}
