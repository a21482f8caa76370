internal import CGSL

/// The Wilson score interval of a proportion `count / total`: sound near 0 and 1, where the normal
/// approximation's interval leaves [0, 1] or shrinks to a point (Wilson 1927). Nil for no trials.
public func wilsonInterval(count: Int, total: Int, confidence: Double = 0.95) -> (lower: Double, upper: Double)? {
    precondition(count >= 0 && count <= total, "a count is between 0 and its total")
    guard total > 0 else { return nil }
    GSL.disableAbortingErrorHandler()
    let n = Double(total), p = Double(count) / n, z = gsl_cdf_ugaussian_Pinv((1 + confidence) / 2)
    let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    let half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
    return (max(0, centre - half), min(1, centre + half))
}
