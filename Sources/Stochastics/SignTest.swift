internal import CGSL

/// The two-sided exact sign test: of the pairs that differ, is one side better more often than a fair coin
/// would make it? Ties carry no sign and are left out, as the test prescribes (they are counted for the report).
public struct SignTest: Sendable, Codable, Equatable {
    /// Pairs where the first is better, where the second is, and where they are equal.
    public let firstBetter: Int
    public let secondBetter: Int
    public let ties: Int

    public init(firstBetter: Int, secondBetter: Int, ties: Int) {
        precondition(firstBetter >= 0 && secondBetter >= 0 && ties >= 0, "counts are never negative")
        self.firstBetter = firstBetter
        self.secondBetter = secondBetter
        self.ties = ties
    }

    /// Counts the signs of a[i] - b[i].
    public init(_ a: [Double], _ b: [Double]) {
        precondition(a.count == b.count, "paired values need the same count")
        var first = 0, second = 0, ties = 0
        for (x, y) in zip(a, b) {
            if x > y { first += 1 } else if x < y { second += 1 } else { ties += 1 }
        }
        self.init(firstBetter: first, secondBetter: second, ties: ties)
    }

    /// 2 P(X <= min(first, second)) for X ~ Binomial(first + second, 1/2), capped at 1; 1 when no pair differs.
    public var pValue: Double {
        let n = firstBetter + secondBetter
        guard n > 0 else { return 1 }
        GSL.disableAbortingErrorHandler()
        return min(1, 2 * gsl_cdf_binomial_P(UInt32(min(firstBetter, secondBetter)), 0.5, UInt32(n)))
    }
}
