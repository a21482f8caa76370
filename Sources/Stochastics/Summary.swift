internal import CGSL

/// Mean and a Student-t confidence interval of a sample, as reported in every HumorGym table.
public struct Summary: Sendable, Codable, Equatable {
    public let count: Int
    public let mean: Double
    /// Sample standard deviation (n - 1 in the denominator); nil for fewer than two values.
    public let standardDeviation: Double?
    /// Half-width of the two-sided confidence interval; nil for fewer than two values.
    public let halfWidth: Double?
    public let confidence: Double

    public var lower: Double? { halfWidth.map { mean - $0 } }
    public var upper: Double? { halfWidth.map { mean + $0 } }

    /// Mean +- t_{(1+c)/2, n-1} * s / sqrt(n), the quantile from GSL's `gsl_cdf_tdist_Pinv`.
    public init(_ values: [Double], confidence: Double = 0.95) {
        precondition(!values.isEmpty, "Summary needs at least one value")
        precondition(confidence > 0 && confidence < 1, "confidence must be in (0, 1)")
        GSL.disableAbortingErrorHandler()
        self.count = values.count
        self.confidence = confidence
        self.mean = values.withUnsafeBufferPointer { gsl_stats_mean($0.baseAddress, 1, $0.count) }
        if values.count >= 2 {
            let sd = values.withUnsafeBufferPointer { gsl_stats_sd($0.baseAddress, 1, $0.count) }
            self.standardDeviation = sd
            let t = gsl_cdf_tdist_Pinv((1 + confidence) / 2, Double(values.count - 1))
            self.halfWidth = t * sd / Double(values.count).squareRoot()
        } else {
            self.standardDeviation = nil
            self.halfWidth = nil
        }
    }

    /// True when the two confidence intervals share no point.
    public func isSeparated(from other: Summary) -> Bool {
        guard let lo = lower, let hi = upper, let olo = other.lower, let ohi = other.upper else { return false }
        return hi < olo || ohi < lo
    }
}

/// The Student-t quantile function, exposed for tests and reports.
public func studentTQuantile(_ p: Double, degreesOfFreedom: Double) -> Double {
    GSL.disableAbortingErrorHandler()
    return gsl_cdf_tdist_Pinv(p, degreesOfFreedom)
}
