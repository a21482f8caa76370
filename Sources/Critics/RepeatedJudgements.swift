import HumorGym

/// How much a critic's verdict on the same pair moves when it is asked again: every pair judged in both
/// orders by each of k repeats (for an LLM, the k-th repeat is a request of its own; for a mock, a stream of
/// its own), then, for each pair and order with at least two verdicts, the variance of P(first) across the
/// repeats. A judge at temperature 0 answers every repeat alike: its variance is 0 by construction.
public struct RepeatedJudgements: Sendable, Codable, Equatable {
    public var repeats: Int
    /// Mean over pairs and orders of the sample variance of P(first) across repeats; nil with fewer than two repeats.
    public var meanVariance: Double?
    /// Of pairs and orders with a verdict in every repeat, those where every repeat named the same slot.
    public var unanimous: CriticDiagnostics.Rate

    /// - Parameter critics: the repeats, one critic each.
    public static func measure(critics: [any Critic], pairs: [PairRequest]) async throws -> RepeatedJudgements {
        var judgements: [[PairwiseJudgement]] = []
        for critic in critics {
            judgements.append(try await critic.compareBothOrders(pairs).flatMap { [$0.forward, $0.backward] })
        }
        var variances: [Double] = [], unanimous = CriticDiagnostics.Rate(count: 0, denominator: 0)
        for slot in judgements.first?.indices ?? 0..<0 {
            let answers = judgements.map { $0[slot] }
            let p = answers.compactMap(\.probabilityFirstBetter)
            if p.count >= 2 {
                let mean = p.reduce(0, +) / Double(p.count)
                variances.append(p.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(p.count - 1))
            }
            if critics.count >= 2, answers.allSatisfy({ $0.verdict == .first || $0.verdict == .second }) {
                unanimous.denominator += 1
                if Set(answers.map(\.verdict)).count == 1 { unanimous.count += 1 }
            }
        }
        return RepeatedJudgements(repeats: critics.count, meanVariance: variances.isEmpty ? nil : variances.reduce(0, +) / Double(variances.count),
                                  unanimous: unanimous)
    }
}
