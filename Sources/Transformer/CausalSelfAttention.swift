import LinearAlgebra

/// Multi-head causal self-attention on packed projections (Vaswani et al., 2017): for each sequence and
/// head, with Q, K, V the head's columns of qkv [T, 3d],
///     P = softmax(Q K^T / sqrt(hd) + causal mask),   O = P V,
/// heads concatenated into out [T, d]; a batch's sequences are packed row after row (``PackedSequences``).
/// Backward, with dO:
///     dP = dO V^T,  dV = P^T dO,  dS = P * (dP - rowsum(dP * P)),  dQ = dS K / sqrt(hd),  dK = dS^T Q / sqrt(hd).
public enum CausalSelfAttention {
    struct Heads {
        let count: Int, width: Int
        var modelWidth: Int { count * width }

        init(count: Int, width: Int) {
            self.count = count
            self.width = width
        }

        /// A model's heads.
        init(_ c: TransformerConfiguration) { self.init(count: c.heads, width: c.headWidth) }
    }

    /// Values the probabilities of `sequences` take: H T_b^2 for each sequence b of T_b rows.
    static func probabilityCount(_ sequences: PackedSequences, heads: Heads) -> Int {
        sequences.lengths.reduce(0) { $0 + heads.count * $1 * $1 }
    }

    /// Writes out [rows, d] and the attention probabilities, [H, T_b, T_b] for each sequence b in turn (kept
    /// for the backward pass). Each sequence attends only within its own rows.
    static func forward<S: BLASScalar>(_ qkv: UnsafePointer<S>, sequences: PackedSequences, heads: Heads, output out: UnsafeMutablePointer<S>,
                                       probabilities p: UnsafeMutablePointer<S>) {
        let d = heads.modelWidth, hd = heads.width
        var probabilities = p
        for b in 0..<sequences.count where sequences.lengths[b] > 0 {
            let T = sequences.lengths[b], first = sequences.rows(b).lowerBound
            for h in 0..<heads.count {
                let q = qkv + first * 3 * d + h * hd
                attend(queries: T, keys: T, headWidth: hd, q: q, ldq: 3 * d, k: q + d, ldk: 3 * d, v: q + 2 * d, ldv: 3 * d,
                       probabilities: probabilities, output: out + first * d + h * hd, ldo: d)
                probabilities += T * T
            }
        }
    }

    /// Decoding: one new row for each of `batch` sequences, its qkv [batch, 3d], attends over the sequence's
    /// cached keys and values [batch, context, d] (heads packed along the width), of which the first `length`
    /// rows, the new one's last, are filled. Writes out [batch, d]; `scratch` holds `length` values.
    static func forward<S: BLASScalar>(query qkv: UnsafePointer<S>, keys: UnsafePointer<S>, values: UnsafePointer<S>, context: Int,
                                       batch: Int, length: Int, heads: Heads, output out: UnsafeMutablePointer<S>,
                                       scratch p: UnsafeMutablePointer<S>) {
        let d = heads.modelWidth, hd = heads.width
        for b in 0..<batch {
            for h in 0..<heads.count {
                let cached = b * context * d + h * hd
                attend(queries: 1, keys: length, headWidth: hd, q: qkv + b * 3 * d + h * hd, ldq: 3 * d, k: keys + cached, ldk: d,
                       v: values + cached, ldv: d, probabilities: p, output: out + b * d + h * hd, ldo: d)
            }
        }
    }

    /// One sequence and head, m queries at the last m of n positions (query i sees keys 0 ... n - m + i):
    ///     P = softmax(Q K^T / sqrt(hd) + causal mask) [m, n],   O = P V.
    /// Q, K, V and O are read and written in place through their row strides (so heads packed side by side,
    /// or a grouped-query model's shared keys, are read where they lie).
    public static func attend<S: BLASScalar>(
        queries m: Int, keys n: Int, headWidth hd: Int, q: UnsafePointer<S>, ldq: Int, k: UnsafePointer<S>, ldk: Int,
        v: UnsafePointer<S>, ldv: Int, probabilities p: UnsafeMutablePointer<S>, output o: UnsafeMutablePointer<S>, ldo: Int
    ) {
        S.gemm(transposeA: false, transposeB: true, m: m, n: n, k: hd, alpha: 1 / S.sqrt(S(hd)),
               a: q, lda: ldq, b: k, ldb: ldk, beta: 0, c: p, ldc: n)
        for i in 0..<m {
            let row = p + i * n, last = n - m + i
            var mx = row[0]
            for j in 0...last { mx = Swift.max(mx, row[j]) }
            for j in 0...last { row[j] -= mx }
            S.exponentiate(row, count: last + 1)
            var sum: S = 0
            for j in 0...last { sum += row[j] }
            for j in 0...last { row[j] /= sum }
            for j in (last + 1)..<n { row[j] = 0 }
        }
        S.gemm(transposeA: false, transposeB: false, m: m, n: hd, k: n, alpha: 1,
               a: p, lda: n, b: v, ldb: ldv, beta: 0, c: o, ldc: ldo)
    }

    /// Adds to dqkv [rows, 3d] (zeros on entry) from dout [rows, d]; `scratch` holds T_b^2 values for the longest sequence.
    static func backward<S: BLASScalar>(_ dout: UnsafePointer<S>, qkv: UnsafePointer<S>, probabilities p: UnsafePointer<S>,
                                        sequences: PackedSequences, heads: Heads, dqkv: UnsafeMutablePointer<S>, scratch dp: UnsafeMutablePointer<S>) {
        let d = heads.modelWidth, hd = heads.width
        var probs = p
        for b in 0..<sequences.count where sequences.lengths[b] > 0 {
            let T = sequences.lengths[b], first = sequences.rows(b).lowerBound
            for h in 0..<heads.count {
                defer { probs += T * T }
                let q = qkv + first * 3 * d + h * hd
                let dq = dqkv + first * 3 * d + h * hd
                backward(rows: T, headWidth: hd, dout: dout + first * d + h * hd, lddo: d, q: q, ldq: 3 * d, k: q + d, v: q + 2 * d, ldkv: 3 * d,
                         probabilities: probs, dq: dq, lddq: 3 * d, dk: dq + d, dv: dq + 2 * d, lddkv: 3 * d, scratch: dp)
            }
        }
    }

    /// One sequence and head of T rows, given dO and the forward's probabilities P [T, T]: adds
    ///     dV += P^T dO,   dQ += dS K / sqrt(hd),   dK += dS^T Q / sqrt(hd),   dS = P * (dO V^T - rowsum(dO V^T * P)),
    /// so the query heads that share a grouped-query model's key-value head sum their gradients into it.
    /// Every matrix is read and written through its row stride (K and V share one, as do their gradients);
    /// `scratch` holds T^2 values.
    public static func backward<S: BLASScalar>(
        rows T: Int, headWidth hd: Int, dout dO: UnsafePointer<S>, lddo: Int, q: UnsafePointer<S>, ldq: Int, k: UnsafePointer<S>,
        v: UnsafePointer<S>, ldkv: Int, probabilities probs: UnsafePointer<S>, dq: UnsafeMutablePointer<S>, lddq: Int,
        dk: UnsafeMutablePointer<S>, dv: UnsafeMutablePointer<S>, lddkv: Int, scratch dp: UnsafeMutablePointer<S>
    ) {
        let scale = 1 / S.sqrt(S(hd))
        S.gemm(transposeA: false, transposeB: true, m: T, n: T, k: hd, alpha: 1, a: dO, lda: lddo, b: v, ldb: ldkv, beta: 0, c: dp, ldc: T)
        S.gemm(transposeA: true, transposeB: false, m: T, n: hd, k: T, alpha: 1, a: probs, lda: T, b: dO, ldb: lddo, beta: 1, c: dv, ldc: lddkv)
        for i in 0..<T {
            let row = dp + i * T, pr = probs + i * T
            var dot: S = 0
            for j in 0...i { dot += row[j] * pr[j] }
            for j in 0..<T { row[j] = j <= i ? pr[j] * (row[j] - dot) : 0 }
        }
        S.gemm(transposeA: false, transposeB: false, m: T, n: hd, k: T, alpha: scale, a: dp, lda: T, b: k, ldb: ldkv, beta: 1, c: dq, ldc: lddq)
        S.gemm(transposeA: true, transposeB: false, m: T, n: hd, k: T, alpha: scale, a: dp, lda: T, b: q, ldb: ldq, beta: 1, c: dk, ldc: lddkv)
    }
}
