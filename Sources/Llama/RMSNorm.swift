import LinearAlgebra

/// Root-mean-square normalisation (Zhang & Sennrich, 2019) with a gain g, row by row on [rows, d]:
///     y = x * r * g,   r = 1 / sqrt(mean(x^2) + eps).
/// Backward (g frozen): dx = r (g * dy) - x r^3 / d * sum_j(g_j dy_j x_j).
enum RMSNorm {
    /// Writes y and returns each row's r (kept for the backward pass).
    static func forward<S: BLASScalar>(_ x: [S], gain g: [S], rows: Int, epsilon: S, into y: inout [S]) -> [S] {
        let d = g.count
        var scales = [S](repeating: 0, count: rows)
        for r in 0..<rows {
            var sum: S = 0
            for j in 0..<d { sum += x[r * d + j] * x[r * d + j] }
            let scale = 1 / (sum / S(d) + epsilon).squareRoot()
            scales[r] = scale
            for j in 0..<d { y[r * d + j] = x[r * d + j] * scale * g[j] }
        }
        return scales
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
