import Foundation

/// Numerically stable softmax and log-sum-exp.
public enum Softmax {
    /// log(sum_i exp(x_i)), computed around the maximum so that large logits do not overflow.
    public static func logSumExp(_ x: some Collection<Double>) -> Double {
        guard let m = x.max(), m.isFinite else { return x.max() ?? -.infinity }
        var s = 0.0
        for v in x { s += exp(v - m) }
        return m + log(s)
    }

    /// softmax(x / temperature).
    public static func probabilities(_ x: [Double], temperature: Double = 1) -> [Double] {
        precondition(temperature > 0, "softmax temperature must be positive")
        let scaled = temperature == 1 ? x : x.map { $0 / temperature }
        let lse = logSumExp(scaled)
        return scaled.map { exp($0 - lse) }
    }

    /// The logistic function 1 / (1 + e^-x), stable for large |x|.
    @inline(__always) public static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// log sigmoid(x), stable for large |x|.
    @inline(__always) public static func logSigmoid(_ x: Double) -> Double {
        x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x))
    }
}
