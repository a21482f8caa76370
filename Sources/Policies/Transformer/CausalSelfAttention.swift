import LinearAlgebra

/// Multi-head causal self-attention on packed projections (Vaswani et al., 2017): for each sequence and
/// head, with Q, K, V the head's columns of qkv [T, 3d],
///     P = softmax(Q K^T / sqrt(hd) + causal mask),   O = P V,
/// heads concatenated into out [T, d]. Backward, with dO:
///     dP = dO V^T,  dV = P^T dO,  dS = P * (dP - rowsum(dP * P)),  dQ = dS K / sqrt(hd),  dK = dS^T Q / sqrt(hd).
enum CausalSelfAttention {
    struct Shape {
        let batch: Int, length: Int, heads: Int, headWidth: Int
        var width: Int { heads * headWidth }
    }

    /// Writes out [B*T, d] and the attention probabilities [B, H, T, T] (kept for the backward pass).
    static func forward<S: BLASScalar>(_ qkv: UnsafePointer<S>, shape s: Shape, output out: UnsafeMutablePointer<S>,
                                       probabilities p: UnsafeMutablePointer<S>) {
        let T = s.length, d = s.width, hd = s.headWidth
        let scale = 1 / S.sqrt(S(hd))
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let q = qkv + b * T * 3 * d + h * hd, k = q + d, v = q + 2 * d
                let probs = p + (b * s.heads + h) * T * T
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hd, alpha: scale,
                       a: q, lda: 3 * d, b: k, ldb: 3 * d, beta: 0, c: probs, ldc: T)
                for i in 0..<T {
                    let row = probs + i * T
                    var m = row[0]
                    for j in 0...i { m = Swift.max(m, row[j]) }
                    for j in 0...i { row[j] -= m }
                    S.exponentiate(row, count: i + 1)
                    var sum: S = 0
                    for j in 0...i { sum += row[j] }
                    for j in 0...i { row[j] /= sum }
                    for j in (i + 1)..<T { row[j] = 0 }
                }
                S.gemm(transposeA: false, transposeB: false, m: T, n: hd, k: T, alpha: 1,
                       a: probs, lda: T, b: v, ldb: 3 * d, beta: 0, c: out + b * T * d + h * hd, ldc: d)
            }
        }
    }

    /// Writes dqkv [B*T, 3d] (overwrites) from dout [B*T, d]; `scratch` holds T*T values.
    static func backward<S: BLASScalar>(_ dout: UnsafePointer<S>, qkv: UnsafePointer<S>, probabilities p: UnsafePointer<S>,
                                        shape s: Shape, dqkv: UnsafeMutablePointer<S>, scratch dp: UnsafeMutablePointer<S>) {
        let T = s.length, d = s.width, hd = s.headWidth
        let scale = 1 / S.sqrt(S(hd))
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let q = qkv + b * T * 3 * d + h * hd, k = q + d, v = q + 2 * d
                let dq = dqkv + b * T * 3 * d + h * hd, dk = dq + d, dv = dq + 2 * d
                let dO = dout + b * T * d + h * hd
                let probs = p + (b * s.heads + h) * T * T
                S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hd, alpha: 1,
                       a: dO, lda: d, b: v, ldb: 3 * d, beta: 0, c: dp, ldc: T)
                S.gemm(transposeA: true, transposeB: false, m: T, n: hd, k: T, alpha: 1,
                       a: probs, lda: T, b: dO, ldb: d, beta: 0, c: dv, ldc: 3 * d)
                for i in 0..<T {
                    let row = dp + i * T, pr = probs + i * T
                    var dot: S = 0
                    for j in 0...i { dot += row[j] * pr[j] }
                    for j in 0..<T { row[j] = j <= i ? pr[j] * (row[j] - dot) : 0 }
                }
                S.gemm(transposeA: false, transposeB: false, m: T, n: hd, k: T, alpha: scale,
                       a: dp, lda: T, b: k, ldb: 3 * d, beta: 0, c: dq, ldc: 3 * d)
                S.gemm(transposeA: true, transposeB: false, m: T, n: hd, k: T, alpha: scale,
                       a: dp, lda: T, b: q, ldb: 3 * d, beta: 0, c: dk, ldc: 3 * d)
            }
        }
    }
}
