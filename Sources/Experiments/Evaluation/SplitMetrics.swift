import HumorGym
import Stochastics

/// The metrics of one policy on one split, as the paper reports them plus the simulation's own.
public struct SplitMetrics: Sendable, Codable, Equatable {
    /// Win-or-tie rate against the teacher, x100, by the evaluator.
    public var wtr: Double
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
        ("wtr", "WTR", { $0.wtr }), ("abstentions", "abst%", { $0.abstentions }), ("gold", "gold", { $0.gold }), ("humor", "humor", { $0.humor }),
        ("consistency", "consist", { $0.consistency }), ("fluency", "fluency", { $0.fluency }), ("critic", "critic", { $0.critic }),
        ("kl", "KL", { $0.kl }), ("lengthRatio", "len/x", { $0.lengthRatio }),
    ]

    /// Measures `policy` on `prompts`. With `greedy` decoding each prompt's response is the policy's most
    /// likely one (the paper decodes with beam search) and is judged against each of the teacher's N outputs;
    /// otherwise `samples` responses are drawn and sample i meets teacher output i mod N. KL always uses
    /// `samples` fresh samples.
    public static func measure<P: Policy>(
        policy: P, start: P, prompts: [Prompt], teacherOutputs: [[Text]], greedy: Bool, samples: Int,
        gold: (any GoldJudge)?, evaluator: Evaluator, critic: any Critic, panel: [(name: String, judge: Evaluator)] = [],
        stream: RandomStream
    ) async throws -> SplitMetrics {
        var students: [Example] = [], references: [Text] = [], drawn: [Example] = []
        let allSamples = policy.sample(prompts, count: samples, using: stream)
        let answered = zip(prompts, teacherOutputs).filter { !$0.1.isEmpty }.map(\.0)
        var bestGuesses = (greedy ? policy.mostLikely(answered) : [])[...]
        for ((prompt, outputs), sampled) in zip(zip(prompts, teacherOutputs), allSamples) where !outputs.isEmpty {
            drawn += sampled.map { Example(prompt: prompt, response: $0) }
            if greedy {
                let best = bestGuesses.removeFirst()
                for output in outputs {
                    students.append(Example(prompt: prompt, response: best))
                    references.append(output)
                }
            } else {
                for (i, response) in sampled.enumerated() {
                    students.append(Example(prompt: prompt, response: response))
                    references.append(outputs[i % outputs.count])
                }
            }
        }
        guard !students.isEmpty else { throw HumorGymError("evaluation: no prompt on this split has a teacher output") }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        let scores = gold.map { gold in students.map { gold.judge($0.response, for: $0.prompt) } }
        let criticScores = try await critic.scoresOrAbstentions(students).compactMap { $0 }
        let kl = zip(policy.logProbabilities(drawn), start.logProbabilities(drawn)).reduce(0.0) { $0 + $1.0 - $1.1 }
        let judged = try await evaluator.rates(student: students, teacher: references)
        var panelRates: [String: Double]? = panel.isEmpty ? nil : [:]
        for (name, judge) in panel { panelRates?[name] = try await judge.rates(student: students, teacher: references).winOrTie }
        return SplitMetrics(
            wtr: judged.winOrTie, abstentions: judged.abstentions,
            gold: scores.flatMap { mean($0.map(\.total)) }, humor: scores.flatMap { mean($0.map(\.humor)) },
            consistency: scores.flatMap { mean($0.map(\.consistency)) }, fluency: scores.flatMap { mean($0.map(\.fluency)) },
            critic: mean(criticScores), kl: kl / Double(drawn.count),
            lengthRatio: students.reduce(0.0) { $0 + Double($1.response.count) / Double(max(1, $1.prompt.text.count)) } / Double(students.count),
            panel: panelRates)
    }
}
