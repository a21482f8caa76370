import LinearAlgebra

/// The language-model read-out: for each row r of logits [rows, V], log p(target_r) = z_t - logsumexp(z),
/// rows with target -1 ignored (prompt tokens, padding). The pull-back of sum_r g_r log p(target_r) is
/// dz_r = g_r (onehot(target_r) - softmax(z_r)).
public enum NextTokenLogProbabilities {
    /// log p(target_r) per row (0 for ignored rows).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func values<S: BLASScalar>(logits: [S], vocabulary V: Int, targets: [Int32]) -> [S] {
        targets.enumerated().map { r, t in
            guard t >= 0 else { return 0 }
            return logits[r * V + Int(t)] - logSumExp(logits, row: r, width: V)
        }
    }

    /// d(sum_r g_r log p(target_r)) / dlogits.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func logitGradient<S: BLASScalar>(logits: [S], vocabulary V: Int, targets: [Int32], upstream g: [S]) -> [S] {
        var out = [S](repeating: 0, count: logits.count)
        for (r, t) in targets.enumerated() where t >= 0 && g[r] != 0 {
            let lse = logSumExp(logits, row: r, width: V)
            for j in 0..<V { out[r * V + j] = -g[r] * S.exp(logits[r * V + j] - lse) }
            out[r * V + Int(t)] += g[r]
        }
        return out
    }

    static func logSumExp<S: BLASScalar>(_ z: [S], row r: Int, width V: Int) -> S {
        var m = z[r * V]
        for j in 1..<V { m = Swift.max(m, z[r * V + j]) }
        var s: S = 0
        for j in 0..<V { s += S.exp(z[r * V + j] - m) }
        return m + S.log(s)
    }
}
