import LinearAlgebra

/// The language-model read-out: for each row r of logits [rows, V], log p(target_r) = z_t - logsumexp(z),
/// rows with target -1 ignored (rows no token is predicted from). The pull-back of sum_r g_r log p(target_r) is
/// dz_r = g_r (onehot(target_r) - softmax(z_r)).
public enum NextTokenLogProbabilities {
    /// log p(target_r) per row (0 for ignored rows).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func values<S: BLASScalar>(logits: [S], vocabulary V: Int, targets: [Int32]) -> [S] {
        var row = [S](repeating: 0, count: V)
        return logits.withUnsafeBufferPointer { z in
            row.withUnsafeMutableBufferPointer { e in
                targets.enumerated().map { r, t in
                    guard t >= 0 else { return 0 }
                    let (m, sum) = exponentiate(z.baseAddress! + r * V, width: V, into: e.baseAddress!)
                    return z[r * V + Int(t)] - m - S.log(sum)
                }
            }
        }
    }

    /// d(sum_r g_r log p(target_r)) / dlogits.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func logitGradient<S: BLASScalar>(logits: [S], vocabulary V: Int, targets: [Int32], upstream g: [S]) -> [S] {
        var out = [S](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { z in
            out.withUnsafeMutableBufferPointer { o in
                for (r, t) in targets.enumerated() where t >= 0 && g[r] != 0 {
                    let row = o.baseAddress! + r * V
                    let scale = -g[r] / exponentiate(z.baseAddress! + r * V, width: V, into: row).sum
                    for j in 0..<V { row[j] *= scale }
                    row[Int(t)] += g[r]
                }
            }
        }
        return out
    }

    /// e = exp(z - max z) for one row of width V; returns max z and sum e (so softmax = e / sum).
    private static func exponentiate<S: BLASScalar>(_ z: UnsafePointer<S>, width V: Int, into e: UnsafeMutablePointer<S>) -> (max: S, sum: S) {
        var m = z[0]
        for j in 1..<V { m = Swift.max(m, z[j]) }
        for j in 0..<V { e[j] = z[j] - m }
        S.exponentiate(e, count: V)
        var s: S = 0
        for j in 0..<V { s += e[j] }
        return (m, s)
    }
}
