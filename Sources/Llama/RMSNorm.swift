import LinearAlgebra

/// Root-mean-square normalisation (Zhang & Sennrich, 2019) with a gain g, row by row on [rows, d]:
///     y = x * r * g,   r = 1 / sqrt(mean(x^2) + eps).
/// Backward (g frozen): dx = r (g * dy) - x r^3 / d * sum_j(g_j dy_j x_j).
enum RMSNorm {
    /// Writes y and returns each row's r (kept for the backward pass).
    static func forward<S: BLASScalar>(_ x: [S], gain g: [S], rows: Int, epsilon: S, into y: inout [S]) -> [S] {
        let d = g.count
        let scales = (0..<rows).map { r in
            var sum: S = 0
            for j in 0..<d { sum += x[r * d + j] * x[r * d + j] }
            return 1 / (sum / S(d) + epsilon).squareRoot()
        }
        write(x, gain: g, scales: scales, into: &y)
        return scales
    }

    /// y from x and the forward's r: what the forward wrote, to the bit.
    static func output<S: BLASScalar>(_ x: [S], gain g: [S], scales: [S]) -> [S] {
        var y = [S](repeating: 0, count: x.count)
        write(x, gain: g, scales: scales, into: &y)
        return y
    }

    private static func write<S: BLASScalar>(_ x: [S], gain g: [S], scales: [S], into y: inout [S]) {
        let d = g.count
        for (r, scale) in scales.enumerated() {
            for j in 0..<d { y[r * d + j] = x[r * d + j] * scale * g[j] }
        }
    }

    /// Adds dL/dx to dx, given dL/dy, the input x and the forward's r.
    static func backward<S: BLASScalar>(_ dy: [S], input x: [S], gain g: [S], scales: [S], rows: Int, into dx: inout [S]) {
        let d = g.count
        for r in 0..<rows {
            var dot: S = 0
            for j in 0..<d { dot += g[j] * dy[r * d + j] * x[r * d + j] }
            let scale = scales[r], correction = dot * scale * scale * scale / S(d)
            for j in 0..<d { dx[r * d + j] += scale * g[j] * dy[r * d + j] - x[r * d + j] * correction }
        }
    }
}
