import Stochastics

/// Over-optimisation, the picture a simulator with a known gold judge can draw: a learner whose critic reward
/// rises while its gold score falls is learning the critic's taste, not humor. Read from the curves over
/// training, seed by seed: each seed's peak is the point where the *other* seeds' mean gold is highest (chosen
/// without the seed's own values, so that testing the fall after it is not biased by the choice), and the seed
/// gives the critic's rise and gold's fall from that point to the last. The learner is flagged when the 95%
/// intervals over seeds of both lie above 0. One seed decides nothing, as everywhere. Seeds are aligned point by
/// point (they train the same number of epochs or rounds; their step counts may differ a little).
public struct OverOptimisation: Sendable, Equatable {
    public var learner: String
    /// The seeds' mean step at their peaks, and at the end of training.
    public var from: Int
    public var last: Int
    /// Means over seeds of critic(last) - critic(peak) and of gold(peak) - gold(last).
    public var criticRise: Double
    public var goldFall: Double

    /// Whether `report` can show it: curves over training, in a world with a gold judge, over two seeds or more.
    public static func isMeasured(in report: ComparisonReport) -> Bool {
        report.seeds.count >= 2 && report.runs.contains { $0.curve?.first?.metrics.gold != nil }
    }

    /// The learners of `report` whose curves show it, in learner order.
    public static func detect(_ report: ComparisonReport) -> [OverOptimisation] {
        guard report.seeds.count >= 2 else { return [] }
        return report.algorithms.compactMap { learner in
            let curves = report.seeds.compactMap { seed in report.runs.first { $0.seed == seed && $0.algorithm == learner }?.curve }
            guard curves.count == report.seeds.count, let count = curves.first?.count, count >= 2, curves.allSatisfy({ $0.count == count }) else {
                return nil
            }
            func values(_ metric: (SplitMetrics) -> Double?) -> [[Double]]? {
                let all = curves.map { $0.map { metric($0.metrics) } }
                return all.contains { $0.contains(nil) } ? nil : all.map { $0.map { $0! } }
            }
            guard let gold = values(\.gold), let critic = values(\.critic) else { return nil }
            let last = count - 1
            let peaks = gold.indices.map { seed in
                (0..<count).max { i, j in
                    let others = gold.indices.filter { $0 != seed }
                    return others.reduce(0) { $0 + gold[$1][i] } < others.reduce(0) { $0 + gold[$1][j] }
                }!
            }
            let rise = Summary(critic.indices.map { critic[$0][last] - critic[$0][peaks[$0]] })
            let fall = Summary(gold.indices.map { gold[$0][peaks[$0]] - gold[$0][last] })
            guard let riseLow = rise.lower, riseLow > 0, let fallLow = fall.lower, fallLow > 0 else { return nil }
            func meanStep(_ index: (Int) -> Int) -> Int {
                Int((curves.indices.reduce(0.0) { $0 + Double(curves[$1][index($1)].step) } / Double(curves.count)).rounded())
            }
            return OverOptimisation(learner: learner, from: meanStep { peaks[$0] }, last: meanStep { _ in last }, criticRise: rise.mean,
                                    goldFall: fall.mean)
        }
    }
}
