/// A value with an optional interval (a 95% CI, or a band over seeds).
///
/// The interval ends are optional because not every number has one (a single seed, a baseline);
/// charts draw a whisker or band only where an end is present and finite.
public struct Estimate: Sendable, Equatable {
    public var value: Double
    public var lower: Double?
    public var upper: Double?

    public init(_ value: Double, lower: Double? = nil, upper: Double? = nil) {
        self.value = value
        self.lower = lower
        self.upper = upper
    }

    /// The finite numbers a y axis must cover: the value and the interval ends that exist.
    var finiteValues: [Double] {
        [value, lower, upper].compactMap { $0 }.filter(\.isFinite)
    }

    /// Both interval ends, when both are finite: what a band needs.
    var finiteInterval: (lower: Double, upper: Double)? {
        guard let lower, let upper, lower.isFinite, upper.isFinite else { return nil }
        return (lower, upper)
    }
}
