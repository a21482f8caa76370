import Stochastics

/// Over-optimisation, the picture a simulator with a known gold judge can draw: a learner whose critic reward
/// keeps rising while its gold score falls is learning the critic's taste, not humor. Read from the curves
/// over training: take the step where the seeds' mean gold peaks; the learner is flagged when, from there to
/// the end, both the critic's rise and gold's fall are decided by their per-seed paired intervals (both above
/// 0; with one seed, both positive).
public struct OverOptimisation: Sendable, Equatable {
    public var learner: String
    /// The step where mean gold peaked, and the last step.
    public var peak: Int
    public var last: Int
    /// Mean over seeds of critic(last) - critic(peak) and of gold(peak) - gold(last).
    public var criticRise: Double
    public var goldFall: Double

    /// Whether `report` can show it: curves over training, in a world with a gold judge.
    public static func isMeasured(in report: ComparisonReport) -> Bool {
        report.runs.contains { $0.curve?.first?.metrics.gold != nil }
    }

    /// The learners of `report` whose curves show it, in learner order.
    public static func detect(_ report: ComparisonReport) -> [OverOptimisation] {
        report.algorithms.compactMap { learner in
            let curves = report.seeds.compactMap { seed in report.runs.first { $0.seed == seed && $0.algorithm == learner }?.curve }
            guard curves.count == report.seeds.count, let steps = curves.first?.map(\.step), steps.count >= 2,
                  curves.allSatisfy({ $0.map(\.step) == steps }) else { return nil }
            func values(_ metric: (SplitMetrics) -> Double?) -> [[Double]]? {
                let all = curves.map { $0.map { metric($0.metrics) } }
                return all.contains { $0.contains(nil) } ? nil : all.map { $0.map { $0! } }
            }
            guard let gold = values(\.gold), let critic = values(\.critic) else { return nil }
            let meanGold = steps.indices.map { i in gold.reduce(0) { $0 + $1[i] } / Double(gold.count) }
            let peak = meanGold.indices.max { meanGold[$0] < meanGold[$1] }!, last = steps.count - 1
            guard peak < last else { return nil }
            let rise = PairedDifference(critic.map { $0[last] }, critic.map { $0[peak] })
            let fall = PairedDifference(gold.map { $0[peak] }, gold.map { $0[last] })
            func decided(_ d: PairedDifference) -> Bool { d.difference.count == 1 ? d.difference.mean > 0 : d.direction == .first }
            guard decided(rise), decided(fall) else { return nil }
            return OverOptimisation(learner: learner, peak: steps[peak], last: steps[last], criticRise: rise.difference.mean,
                                    goldFall: fall.difference.mean)
        }
    }
}
