import HumorGym
import Stochastics

/// The metrics of one policy on one split, as the paper reports them plus the simulation's own.
public struct SplitMetrics: Sendable, Codable, Equatable {
    /// Win-or-tie rate against the teacher, x100, by the evaluator.
    public var wtr: Double
    /// Mean gold total and its parts.
    public var gold: Double
    public var humor: Double
    public var consistency: Double
    public var fluency: Double
    /// Mean score of the training critic (a fresh stream).
    public var critic: Double
    /// KL(pi || pi_start), estimated from the policy's own samples: mean of log pi(y) - log pi_start(y).
    public var kl: Double
    /// Mean response length over prompt length.
    public var lengthRatio: Double

    /// The metrics in report order, with their column names.
    public static let fields: [(name: String, label: String, value: any KeyPath<SplitMetrics, Double> & Sendable)] = [
        ("wtr", "WTR", \.wtr), ("gold", "gold", \.gold), ("humor", "humor", \.humor),
        ("consistency", "consist", \.consistency), ("fluency", "fluency", \.fluency), ("critic", "critic", \.critic),
        ("kl", "KL", \.kl), ("lengthRatio", "len/x", \.lengthRatio),
    ]

    /// Measures `policy` on `prompts`. With `greedy` decoding each prompt's response is the policy's most
    /// likely one (the paper decodes with beam search) and is judged against each of the teacher's N outputs;
    /// otherwise `samples` responses are drawn and sample i meets teacher output i mod N. KL always uses
    /// `samples` fresh samples.
    public static func measure<P: Policy>(
        policy: P, start: P, prompts: [Prompt], teacherOutputs: [[Text]], greedy: Bool, samples: Int,
        gold: any GoldJudge, evaluator: Evaluator, critic: any Critic, stream: RandomStream
    ) async throws -> SplitMetrics {
        var students: [Example] = [], references: [Text] = [], drawn: [Example] = []
        let allSamples = policy.sample(prompts, count: samples, using: stream)
        for ((prompt, outputs), sampled) in zip(zip(prompts, teacherOutputs), allSamples) where !outputs.isEmpty {
            drawn += sampled.map { Example(prompt: prompt, response: $0) }
            if greedy {
                let best = policy.mostLikely(prompt)
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
        let n = Double(students.count)
        let scores = students.map { gold.judge($0.response, for: $0.prompt) }
        let criticScores = try await critic.score(students)
        let kl = zip(policy.logProbabilities(drawn), start.logProbabilities(drawn)).reduce(0.0) { $0 + $1.0 - $1.1 }
        return SplitMetrics(
            wtr: try await evaluator.winOrTieRate(student: students, teacher: references),
            gold: scores.reduce(0) { $0 + $1.total } / n, humor: scores.reduce(0) { $0 + $1.humor } / n,
            consistency: scores.reduce(0) { $0 + $1.consistency } / n, fluency: scores.reduce(0) { $0 + $1.fluency } / n,
            critic: criticScores.reduce(0, +) / n, kl: kl / Double(drawn.count),
            lengthRatio: students.reduce(0.0) { $0 + Double($1.response.count) / Double(max(1, $1.prompt.text.count)) } / n)
    }
}
