import Foundation

/// A numeric axis: "nice" ticks covering the data, and the linear map from data to pixels.
///
/// Ticks are round numbers (1, 2, 2.5 or 5 times a power of ten) so a reader can interpolate,
/// and the axis runs from the first tick to the last, so every datum sits inside it.
public struct Axis: Sendable, Equatable {
    /// At least two, increasing, each the double nearest its decimal (0.3, never 0.30000000000000004).
    public let ticks: [Double]
    /// Decimals the step needs, so labels read 0.25, 0.50, 0.75 rather than 0.25, 0.5, 0.75.
    public let decimals: Int
    /// Pixel positions of the first and the last tick (for a y axis, start is the bottom).
    public var start: Double
    public var end: Double

    /// An axis covering the finite `values` (non-finite ones are ignored), about `count` steps long.
    public init(covering values: [Double], count: Int = 5, start: Double = 0, end: Double = 1) {
        let finite = values.filter(\.isFinite)
        let scale = Self.scale(from: finite.min() ?? .nan, to: finite.max() ?? .nan, count: count)
        ticks = scale.ticks
        decimals = scale.decimals
        self.start = start
        self.end = end
    }

    public var lower: Double { ticks[0] }
    public var upper: Double { ticks[ticks.count - 1] }

    /// The pixel for a data value; non-finite input lands mid-axis so that no NaN reaches the SVG.
    public func pixel(_ value: Double) -> Double {
        let p = start + (value - lower) / (upper - lower) * (end - start)
        return p.isFinite ? p : (start + end) / 2
    }

    /// The tick labels, all with the same number of decimals.
    public var labels: [String] { ticks.map(label) }

    public func label(_ value: Double) -> String { SVGWriter.fixed(value, decimals: decimals) }

    /// Round ticks covering `from...to` (in either order) in about `count` steps.
    ///
    /// Non-finite bounds are ignored (both non-finite gives 0...1); a zero-width range is widened by
    /// half its value each way (0 becomes 0...1), so a single number still gets a readable axis.
    public static func ticks(from: Double, to: Double, count: Int = 5) -> [Double] {
        scale(from: from, to: to, count: count).ticks
    }

    static func scale(from: Double, to: Double, count: Int) -> (ticks: [Double], decimals: Int) {
        var lo = Swift.min(from, to), hi = Swift.max(from, to)
        if !from.isFinite || !to.isFinite {
            let finite = [from, to].filter(\.isFinite)
            lo = finite.first ?? 0
            hi = finite.first ?? 1
        }
        if lo == hi {
            if lo == 0 { hi = 1 } else { (lo, hi) = (lo - abs(lo) / 2, hi + abs(hi) / 2) }
        }
        let fallback = (ticks: [0.0, 1.0], decimals: 1)
        let raw = (hi - lo) / Double(Swift.max(count, 1))
        guard raw.isFinite, raw > 0 else { return fallback }
        // step = mantissa * 10^exponent with an integer mantissa, so ticks are exact decimals.
        let power = Int(floor(log10(raw)))
        let candidates = [(1, power), (2, power), (25, power - 1), (5, power), (1, power + 1)]
        guard let (mantissa, exponent) = candidates.first(where: { Double($0.0) * pow(10, Double($0.1)) >= raw * (1 - 1e-9) })
        else { return fallback }
        let step = Double(mantissa) * pow(10, Double(exponent))
        let first = floor(lo / step + 1e-9), last = ceil(hi / step - 1e-9)
        guard abs(first) < 1e15, abs(last) < 1e15, last - first < 1000 else { return fallback }
        let tenPower = pow(10, Double(abs(exponent)))
        var ticks: [Double] = []
        for index in Int(first)...Swift.max(Int(last), Int(first) + 1) {
            let units = Double(index * mantissa)
            ticks.append(exponent < 0 ? units / tenPower : units * tenPower)
        }
        guard ticks.allSatisfy(\.isFinite), zip(ticks, ticks.dropFirst()).allSatisfy({ $0 < $1 }) else { return fallback }
        return (ticks, Swift.max(0, -exponent))
    }
}
