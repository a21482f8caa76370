/// The difference a - b of two measures taken in pairs (one pair per seed: a seed's learners share its warm
/// start, teacher and prompts), with the Student-t interval of its mean. It decides "a differs from b" when
/// the interval excludes 0, which is sharper than asking whether two unpaired intervals overlap.
public struct PairedDifference: Sendable, Codable, Equatable {
    public enum Direction: String, Sendable, Codable {
        /// The interval lies above 0: a is larger.
        case first
        /// The interval lies below 0: b is larger.
        case second
        /// The interval holds 0, or there is one pair: no decision.
        case undecided
    }

    /// Mean and interval of a - b over the pairs.
    public let difference: Summary

    public init(_ a: [Double], _ b: [Double], confidence: Double = 0.95) {
        precondition(a.count == b.count && !a.isEmpty, "paired values need the same, non-zero count")
        difference = Summary(zip(a, b).map { $0 - $1 }, confidence: confidence)
    }

    public var direction: Direction {
        if let lo = difference.lower, lo > 0 { return .first }
        if let hi = difference.upper, hi < 0 { return .second }
        return .undecided
    }

    /// The fewest pairs whose interval would exclude 0 if the mean difference and its spread stayed as
    /// measured: the least n >= 2 with t_{(1+c)/2, n-1} s / sqrt(n) < |mean|. Nil when it cannot be told
    /// (one pair, or a mean of exactly 0) or would exceed `limit`.
    public func pairsToSeparate(limit: Int = 10_000) -> Int? {
        guard let s = difference.standardDeviation, difference.mean != 0 else { return nil }
        let target = abs(difference.mean)
        for n in 2...max(2, limit) {
            let t = studentTQuantile((1 + difference.confidence) / 2, degreesOfFreedom: Double(n - 1))
            if t * s / Double(n).squareRoot() < target { return n }
        }
        return nil
    }
}
