import Foundation

/// The win rate a judge would give if the two sides wrote equally long answers (the idea of AlpacaEval 2's
/// length-controlled win rate, Dubois et al. 2024): fit the judge's outcomes with a logistic model
///
///     P(win_i) = sigma(a + b d_i),   d_i = tanh((len_student_i - len_reference_i) / s),
///
/// s the standard deviation of the length differences (AlpacaEval's standardised, bounded length term), then
/// report 100 sigma(a): the model's win rate with the length term set to zero. AlpacaEval also fits a
/// per-instruction difficulty term; with one student against one teacher it is left out.
///
/// Ties count as wins, as in WTR (win-or-tie); an abstention is not a win. The fit maximises the
/// log-likelihood minus (lambda / 2)(a^2 + b^2), with lambda = 1: a weak Gaussian prior (worth about one
/// judgement against the hundreds a split has) that keeps the optimum finite when the outcomes are perfectly
/// separable (every judgement won, or won exactly when longer). Newton's method, from a = b = 0; the
/// penalised log-likelihood is strictly concave, so the optimum is unique.
public enum LengthControlledWinRate {
    /// One judgement: the student's length minus the reference's (in tokens), and whether it was a win or tie.
    public struct Outcome: Sendable, Equatable {
        public var lengthDifference: Double
        public var win: Bool
        public init(lengthDifference: Double, win: Bool) {
            self.lengthDifference = lengthDifference
            self.win = win
        }
    }

    /// The fitted intercept and length coefficient.
    public struct Fit: Sendable, Equatable {
        public var intercept: Double
        public var length: Double
        /// 100 sigma(intercept): the win rate at no length difference.
        public var winRate: Double { 100 / (1 + exp(-intercept)) }
    }

    public static let ridge = 1.0

    public static func fit(_ outcomes: [Outcome]) -> Fit {
        precondition(!outcomes.isEmpty, "a length-controlled win rate needs judgements")
        let n = Double(outcomes.count)
        let mean = outcomes.reduce(0) { $0 + $1.lengthDifference } / n
        let variance = outcomes.reduce(0) { $0 + ($1.lengthDifference - mean) * ($1.lengthDifference - mean) } / max(1, n - 1)
        let scale = variance.squareRoot()
        // Equal lengths everywhere leave nothing to control for: the length term is 0.
        let d = outcomes.map { scale > 0 ? tanh($0.lengthDifference / scale) : 0 }
        var a = 0.0, b = 0.0
        for _ in 0..<100 {
            var ga = -ridge * a, gb = -ridge * b, haa = ridge, hab = 0.0, hbb = ridge
            for (outcome, x) in zip(outcomes, d) {
                let p = 1 / (1 + exp(-(a + b * x)))
                let r = (outcome.win ? 1 : 0) - p, w = p * (1 - p)
                ga += r
                gb += r * x
                haa += w
                hab += w * x
                hbb += w * x * x
            }
            // Newton step: solve [haa hab; hab hbb] (da, db) = (ga, gb); the matrix is positive definite.
            let det = haa * hbb - hab * hab
            let da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det
            a += da
            b += db
            if abs(da) + abs(db) < 1e-12 { break }
        }
        return Fit(intercept: a, length: b)
    }
}
