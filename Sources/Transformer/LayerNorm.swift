import LinearAlgebra

/// Layer normalisation over the last dimension (Ba et al., 2016):
///     y = (x - mean) * rstd * g + b,   rstd = 1 / sqrt(var + eps),   var the biased variance of the row.
/// Backward, with xhat = (x - mean) * rstd and dxhat = dy * g:
///     dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),  dg += sum dy * xhat,  db += sum dy.
enum LayerNorm {
    static func forward<S: BLASScalar>(
        _ x: UnsafePointer<S>, weight g: UnsafePointer<S>, bias b: UnsafePointer<S>, rows: Int, width d: Int, epsilon: S,
        output y: UnsafeMutablePointer<S>, mean: UnsafeMutablePointer<S>, rstd: UnsafeMutablePointer<S>
    ) {
        let n = S(d)
        for r in 0..<rows {
            let row = x + r * d, out = y + r * d
            var m: S = 0
            for i in 0..<d { m += row[i] }
            m /= n
            var v: S = 0
            for i in 0..<d { let c = row[i] - m; v += c * c }
            let s = 1 / S.sqrt(v / n + epsilon)
            for i in 0..<d { out[i] = (row[i] - m) * s * g[i] + b[i] }
            mean[r] = m
            rstd[r] = s
        }
    }

    /// Accumulates into dx, dg and db.
    static func backward<S: BLASScalar>(
        _ dy: UnsafePointer<S>, input x: UnsafePointer<S>, weight g: UnsafePointer<S>, mean: UnsafePointer<S>,
        rstd: UnsafePointer<S>, rows: Int, width d: Int,
        dx: UnsafeMutablePointer<S>, dg: UnsafeMutablePointer<S>, db: UnsafeMutablePointer<S>
    ) {
        let n = S(d)
        for r in 0..<rows {
            let row = x + r * d, grad = dy + r * d, out = dx + r * d
            let m = mean[r], s = rstd[r]
            var meanDxhat: S = 0, meanDxhatXhat: S = 0
            for i in 0..<d {
                let xhat = (row[i] - m) * s, dxhat = grad[i] * g[i]
                meanDxhat += dxhat
                meanDxhatXhat += dxhat * xhat
                dg[i] += grad[i] * xhat
                db[i] += grad[i]
            }
            meanDxhat /= n
            meanDxhatXhat /= n
            for i in 0..<d {
                let xhat = (row[i] - m) * s
                out[i] += s * (grad[i] * g[i] - meanDxhat - xhat * meanDxhatXhat)
            }
        }
    }
}
