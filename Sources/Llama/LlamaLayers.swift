import Foundation
import LinearAlgebra
import Transformer

/// The arithmetic of a shard of sequences, written once for every caller: the training pass (each sequence
/// from position 0, keeping what the backward pass needs) and reading through a key-value cache (new rows
/// attending to a sequence's cached ones, keeping nothing). Attention differs between them, and the cached
/// pass cuts each weight's gemm into column blocks, so the two agree to float rounding, not to the bit.
extension LlamaModel {
    /// What one layer's forward pass keeps for the backward pass, each [rows, width of its kind].
    struct LayerActivations: Sendable {
        /// The layer's input and its RMSNorm scales (the normalised rows are recomputed from them when needed).
        var input: [S], inputScales: [S]
        /// The query and key rows after the rotary embedding.
        var query: [S], key: [S], value: [S]
        /// [H, T_b, T_b] for each sequence b in turn.
        var probabilities: [S]
        var attended: [S], middle: [S], middleScales: [S]
        /// SwiGLU's two projections and sigma(gate); their product is recomputed when needed.
        var gate: [S], gateSigmoid: [S], up: [S]
        /// x A^T of each adapted projection, by ``LlamaProjection``'s order (empty where none).
        var low: [[S]]
    }

    struct ShardActivations: Sendable {
        let packing: PackedSequences
        let positions: [Int]
        /// The rows whose logits were read out, in order.
        let readRows: [Int]
        var layers: [LayerActivations] = []
        /// The last layer's output on the read-out rows and their RMSNorm scales.
        var final: [S] = [], finalScales: [S] = []
        var logits: [S] = []
    }

    /// A sequence's cached keys and values, layer by layer (rotated keys; keyValueHeads x headWidth a position).
    /// A shard writes only its own sequences' rows, so shards on other threads never share one.
    final class CachedSequence: @unchecked Sendable {
        var keys: [[S]], values: [[S]]
        var count = 0

        init(layers: Int) {
            keys = Array(repeating: [], count: layers)
            values = keys
        }

        func copy() -> CachedSequence {
            let c = CachedSequence(layers: keys.count)
            (c.keys, c.values, c.count) = (keys, values, count)
            return c
        }
    }

    /// The shard's rows `tokens`, packed as `packing`, at `positions`; logits for `readRows`. With `cache` (one
    /// entry per sequence of the shard) the rows are appended to the cached ones, nothing is kept for a backward
    /// pass, and every weight's outputs are computed in fixed column blocks on up to `threads` threads: a
    /// decoding step of a few rows is one shard, which would otherwise leave the other cores idle.
    /// Without a cache, `keep` says whether to keep what the backward pass needs (scoring alone does not).
    func forward(_ tokens: [Int32], packing: PackedSequences, positions: [Int], readRows: [Int], cache: [CachedSequence]?,
                 threads: Int = 1, keep: Bool = true) -> ShardActivations {
        let blocks = cache == nil ? nil : threads
        let c = configuration, N = tokens.count, d = c.width, hd = c.headWidth, kv = c.keyValueHeads * hd, f = c.feedForward
        let rotary = RotaryEmbedding(positions: positions, headWidth: hd, base: c.ropeBase), epsilon = S(c.rmsEpsilon)
        var a = ShardActivations(packing: packing, positions: positions, readRows: readRows)
        var x = [S](repeating: 0, count: N * d)
        for (r, token) in tokens.enumerated() { x.replaceSubrange(r * d..<(r + 1) * d, with: embedding[Int(token) * d..<(Int(token) + 1) * d]) }
        for (l, layer) in layers.enumerated() {
            let input = x
            var normed = [S](repeating: 0, count: N * d), q = normed, attended = normed
            var k = [S](repeating: 0, count: N * kv), v = k
            var low = [[S]](repeating: [], count: LlamaProjection.allCases.count)
            func project(_ x: [S], _ p: LlamaProjection, into out: inout [S], accumulate: Bool = false) {
                low[p.index] = self.project(x, rows: N, p, layer: l, into: &out, accumulate: accumulate,
                                                                                 columnBlocksOn: blocks)
            }
            let inputScales = RMSNorm.forward(x, gain: layer.attentionNorm, rows: N, epsilon: epsilon, into: &normed)
            project(normed, .query, into: &q)
            project(normed, .key, into: &k)
            project(normed, .value, into: &v)
            rotary.rotate(&q, heads: c.heads)
            rotary.rotate(&k, heads: c.keyValueHeads)
            let probabilities = cache.map { attend(q: q, k: k, v: v, packing: packing, layer: l, cache: $0, into: &attended) }
                ?? attend(q: q, k: k, v: v, packing: packing, into: &attended)
            project(attended, .output, into: &x, accumulate: true)
            let middle = x
            var normedMiddle = [S](repeating: 0, count: N * d)
            let middleScales = RMSNorm.forward(x, gain: layer.feedForwardNorm, rows: N, epsilon: epsilon, into: &normedMiddle)
            var gate = [S](repeating: 0, count: N * f), up = gate, mixed = gate
            project(normedMiddle, .gate, into: &gate)
            project(normedMiddle, .up, into: &up)
            // sigma(g) = 1 / (1 + exp(-g)), the exponentials vectorised.
            var gateSigmoid = gate.map { -$0 }
            S.exponentiate(gateSigmoid.mutablePointer(0), count: N * f)
            for i in 0..<N * f {
                gateSigmoid[i] = 1 / (1 + gateSigmoid[i])
                mixed[i] = gate[i] * gateSigmoid[i] * up[i]
            }
            project(mixed, .down, into: &x, accumulate: true)
            if cache == nil && keep {
                a.layers.append(LayerActivations(input: input, inputScales: inputScales, query: q, key: k, value: v,
                                                 probabilities: probabilities, attended: attended, middle: middle, middleScales: middleScales,
                                                 gate: gate, gateSigmoid: gateSigmoid, up: up, low: low))
            }
        }
        let R = readRows.count
        a.final = readRows.count == N ? x : readRows.flatMap { x[$0 * d..<($0 + 1) * d] }
        var finalNormed = [S](repeating: 0, count: R * d)
        a.finalScales = RMSNorm.forward(a.final, gain: outputNorm, rows: R, epsilon: epsilon, into: &finalNormed)
        a.logits = [S](repeating: 0, count: R * c.vocabularySize)
        Self.multiply(finalNormed, rows: R, inputs: d, weight: head ?? embedding, outputs: c.vocabularySize, into: &a.logits,
                      columnBlocksOn: blocks)
        return a
    }

    /// Each sequence's rows attend to its own earlier rows; returns the probabilities ([H, T_b, T_b] each).
    private func attend(q: [S], k: [S], v: [S], packing: PackedSequences, into out: inout [S]) -> [S] {
        let c = configuration, d = c.width, hd = c.headWidth, kv = c.keyValueHeads * hd, group = c.heads / c.keyValueHeads
        var probabilities = [S](repeating: 0, count: packing.lengths.reduce(0) { $0 + c.heads * $1 * $1 })
        var offset = 0
        for b in 0..<packing.count where packing.lengths[b] > 0 {
            let T = packing.lengths[b], first = packing.rows(b).lowerBound
            for h in 0..<c.heads {
                let kvh = h / group
                CausalSelfAttention.attend(queries: T, keys: T, headWidth: hd, q: q.pointer(first * d + h * hd), ldq: d,
                                           k: k.pointer(first * kv + kvh * hd), ldk: kv, v: v.pointer(first * kv + kvh * hd), ldv: kv,
                                           probabilities: probabilities.mutablePointer(offset), output: out.mutablePointer(first * d + h * hd), ldo: d)
                offset += T * T
            }
        }
        return probabilities
    }

    /// Each sequence's new rows join its cached keys and values, then attend to all of them; keeps nothing.
    private func attend(q: [S], k: [S], v: [S], packing: PackedSequences, layer l: Int, cache: [CachedSequence], into out: inout [S]) -> [S] {
        let c = configuration, d = c.width, hd = c.headWidth, kv = c.keyValueHeads * hd, group = c.heads / c.keyValueHeads
        for (b, sequence) in cache.enumerated() where packing.lengths[b] > 0 {
            let rows = packing.rows(b), m = rows.count
            sequence.keys[l] += k[rows.lowerBound * kv..<rows.upperBound * kv]
            sequence.values[l] += v[rows.lowerBound * kv..<rows.upperBound * kv]
            let n = sequence.keys[l].count / kv
            var scratch = [S](repeating: 0, count: m * n)
            for h in 0..<c.heads {
                let kvh = h / group
                CausalSelfAttention.attend(queries: m, keys: n, headWidth: hd, q: q.pointer(rows.lowerBound * d + h * hd), ldq: d,
                                           k: sequence.keys[l].pointer(kvh * hd), ldk: kv, v: sequence.values[l].pointer(kvh * hd), ldv: kv,
                                           probabilities: scratch.mutablePointer(0), output: out.mutablePointer(rows.lowerBound * d + h * hd), ldo: d)
            }
        }
        return []
    }

    /// out = x W^T (+ out) + s (x A^T) B^T for layer l's projection p (the adapter term when it has one);
    /// returns x A^T, which the adapter's gradient needs (empty without an adapter).
    func project(_ x: [S], rows N: Int, _ p: LlamaProjection, layer l: Int, into out: inout [S], accumulate: Bool = false,
                 columnBlocksOn threads: Int? = nil) -> [S] {
        let (inputs, outputs) = p.shape(configuration)
        Self.multiply(x, rows: N, inputs: inputs, weight: layers[l].weight(p), outputs: outputs, into: &out, accumulate: accumulate,
                      columnBlocksOn: threads)
        guard let adapters, let adapter = adapters.layout.adapter(l, p) else { return [] }
        let r = adapters.layout.configuration.rank, s = S(adapters.layout.configuration.scale), P = adapters.parameters
        var u = [S](repeating: 0, count: N * r)
        S.gemm(transposeA: false, transposeB: true, m: N, n: r, k: inputs, alpha: 1, a: x.pointer(0), lda: inputs,
               b: P.pointer(adapter.a.lowerBound), ldb: inputs, beta: 0, c: u.mutablePointer(0), ldc: r)
        S.gemm(transposeA: false, transposeB: true, m: N, n: outputs, k: r, alpha: s, a: u.pointer(0), lda: r,
               b: P.pointer(adapter.b.lowerBound), ldb: r, beta: 1, c: out.mutablePointer(0), ldc: outputs)
        return u
    }

    /// out = x W^T (+ out), W `outputs` rows of `inputs`. With `columnBlocksOn`, the outputs are four fixed
    /// column blocks (multiples of 16 wide) computed on up to that many threads: the blocks, not the threads,
    /// decide the arithmetic, so the bits are the same for any count.
    static func multiply(_ x: [S], rows: Int, inputs: Int, weight: [S], outputs: Int, into out: inout [S], accumulate: Bool = false,
                         columnBlocksOn threads: Int? = nil) {
        guard let threads else {
            S.gemm(transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs, alpha: 1, a: x.pointer(0), lda: inputs,
                   b: weight.pointer(0), ldb: inputs, beta: accumulate ? 1 : 0, c: out.mutablePointer(0), ldc: outputs)
            return
        }
        let width = max(16, (outputs / 4 + 15) / 16 * 16)
        let starts = Array(stride(from: 0, to: outputs, by: width))
        let a = UncheckedPointer(UnsafeMutablePointer(mutating: x.pointer(0))), b = UncheckedPointer(UnsafeMutablePointer(mutating: weight.pointer(0)))
        let c = UncheckedPointer(out.mutablePointer(0))
        _ = Parallel.map(starts.count, threads: threads) { i in
            let n = min(outputs, starts[i] + width) - starts[i]
            S.gemm(transposeA: false, transposeB: true, m: rows, n: n, k: inputs, alpha: 1, a: a.pointer, lda: inputs,
                   b: b.pointer + starts[i] * inputs, ldb: inputs, beta: accumulate ? 1 : 0, c: c.pointer + starts[i], ldc: outputs)
        }
    }

    /// The adapters' gradient from one shard, given dL/dlogits of its read-out rows:
    ///     SwiGLU:  dmixed = dy Wdown,  dgate = dmixed * up * sigma(g) (1 + g (1 - sigma(g))),  dup = dmixed * silu(g);
    ///     attention's gradients through ``CausalSelfAttention/backward(rows:headWidth:dout:lddo:q:ldq:k:v:ldkv:probabilities:dq:lddq:dk:dv:lddkv:scratch:)``,
    ///     the rotary embedding turned back, and each adapted projection's dA and dB (``projectBackward``).
    /// The first layer's input needs no gradient (the embedding is frozen), so its projections stop at their adapters.
    func backward(_ a: ShardActivations, logitGradient dlogits: ArraySlice<S>, adapters: Adapters) -> [S] {
        let c = configuration, d = c.width, hd = c.headWidth, kv = c.keyValueHeads * hd, f = c.feedForward, group = c.heads / c.keyValueHeads
        let N = a.packing.rowCount, R = a.readRows.count, V = c.vocabularySize
        let rotary = RotaryEmbedding(positions: a.positions, headWidth: hd, base: c.ropeBase)
        var grad = [S](repeating: 0, count: adapters.layout.parameterCount)
        var dnormed = [S](repeating: 0, count: R * d), dread = dnormed
        dlogits.withUnsafeBufferPointer { g in
            S.gemm(transposeA: false, transposeB: false, m: R, n: d, k: V, alpha: 1, a: g.baseAddress!, lda: V,
                   b: (head ?? embedding).pointer(0), ldb: d, beta: 0, c: dnormed.mutablePointer(0), ldc: d)
        }
        RMSNorm.backward(dnormed, input: a.final, gain: outputNorm, scales: a.finalScales, rows: R, into: &dread)
        var dx = R == N ? dread : [S](repeating: 0, count: N * d)
        if R < N { for (i, r) in a.readRows.enumerated() { dx.replaceSubrange(r * d..<(r + 1) * d, with: dread[i * d..<(i + 1) * d]) } }
        var scratch = [S](repeating: 0, count: a.packing.longest * a.packing.longest)
        for (l, s) in a.layers.enumerated().reversed() {
            let layer = layers[l]
            func backward(_ dy: [S], input: [S], _ p: LlamaProjection, into dinput: inout [S], needed: Bool = true) {
                projectBackward(dy, rows: N, input: input, low: s.low[p.index], p, layer: l,
                                adapters: adapters, dinput: &dinput, inputNeeded: needed, grad: &grad)
            }
            // What the forward pass did not keep, recomputed where an adapter's gradient reads it.
            func adapted(_ p: LlamaProjection...) -> Bool { p.contains { adapters.layout.adapter(l, $0) != nil } }
            let mixed = adapted(.down) ? (0..<N * f).map { s.gate[$0] * s.gateSigmoid[$0] * s.up[$0] } : []
            let normedMiddle = adapted(.gate, .up) ? RMSNorm.output(s.middle, gain: layer.feedForwardNorm, scales: s.middleScales) : []
            let normed = adapted(.query, .key, .value) ? RMSNorm.output(s.input, gain: layer.attentionNorm, scales: s.inputScales) : []
            // SwiGLU; dx holds dL/d(the layer's output).
            var dmixed = [S](repeating: 0, count: N * f)
            backward(dx, input: mixed, .down, into: &dmixed)
            var dgate = dmixed, dup = dmixed
            for i in 0..<N * f {
                let g = s.gate[i], sigma = s.gateSigmoid[i]
                dup[i] = dmixed[i] * g * sigma
                dgate[i] = dmixed[i] * s.up[i] * sigma * (1 + g * (1 - sigma))
            }
            var dnormedMiddle = [S](repeating: 0, count: N * d)
            backward(dgate, input: normedMiddle, .gate, into: &dnormedMiddle)
            backward(dup, input: normedMiddle, .up, into: &dnormedMiddle)
            RMSNorm.backward(dnormedMiddle, input: s.middle, gain: layer.feedForwardNorm, scales: s.middleScales, rows: N, into: &dx)
            // Attention; dx holds dL/d(middle).
            var dattended = [S](repeating: 0, count: N * d)
            backward(dx, input: s.attended, .output, into: &dattended)
            var dq = [S](repeating: 0, count: N * d), dk = [S](repeating: 0, count: N * kv), dv = dk
            var offset = 0
            for b in 0..<a.packing.count where a.packing.lengths[b] > 0 {
                let T = a.packing.lengths[b], first = a.packing.rows(b).lowerBound
                for h in 0..<c.heads {
                    let qAt = first * d + h * hd, kvAt = first * kv + (h / group) * hd
                    CausalSelfAttention.backward(rows: T, headWidth: hd, dout: dattended.pointer(qAt), lddo: d, q: s.query.pointer(qAt), ldq: d,
                                                 k: s.key.pointer(kvAt), v: s.value.pointer(kvAt), ldkv: kv,
                                                 probabilities: s.probabilities.pointer(offset), dq: dq.mutablePointer(qAt), lddq: d,
                                                 dk: dk.mutablePointer(kvAt), dv: dv.mutablePointer(kvAt), lddkv: kv, scratch: scratch.mutablePointer(0))
                    offset += T * T
                }
            }
            rotary.rotate(&dq, heads: c.heads, inverse: true)
            rotary.rotate(&dk, heads: c.keyValueHeads, inverse: true)
            var dnormed = [S](repeating: 0, count: l > 0 ? N * d : 0)
            backward(dq, input: normed, .query, into: &dnormed, needed: l > 0)
            backward(dk, input: normed, .key, into: &dnormed, needed: l > 0)
            backward(dv, input: normed, .value, into: &dnormed, needed: l > 0)
            if l > 0 { RMSNorm.backward(dnormed, input: s.input, gain: layer.attentionNorm, scales: s.inputScales, rows: N, into: &dx) }
        }
        return grad
    }

    /// Given dy = dL/d(out) of layer l's projection p (out = x W^T + s (x A^T) B^T, u = x A^T): adds
    ///     dx += dy W + s (dy B) A,   dA += s (dy B)^T x,   dB += s dy^T u,
    /// the input's gradient only when it is needed, the adapter's only when p has one.
    private func projectBackward(_ dy: [S], rows N: Int, input x: [S], low u: [S], _ p: LlamaProjection, layer l: Int, adapters: Adapters,
                                 dinput: inout [S], inputNeeded: Bool, grad: inout [S]) {
        let (inputs, outputs) = p.shape(configuration)
        if inputNeeded {
            S.gemm(transposeA: false, transposeB: false, m: N, n: inputs, k: outputs, alpha: 1, a: dy.pointer(0), lda: outputs,
                   b: layers[l].weight(p).pointer(0), ldb: inputs, beta: 1, c: dinput.mutablePointer(0), ldc: inputs)
        }
        guard let adapter = adapters.layout.adapter(l, p) else { return }
        let r = adapters.layout.configuration.rank, s = S(adapters.layout.configuration.scale), P = adapters.parameters
        var t = [S](repeating: 0, count: N * r)
        S.gemm(transposeA: false, transposeB: false, m: N, n: r, k: outputs, alpha: 1, a: dy.pointer(0), lda: outputs,
               b: P.pointer(adapter.b.lowerBound), ldb: r, beta: 0, c: t.mutablePointer(0), ldc: r)
        if inputNeeded {
            S.gemm(transposeA: false, transposeB: false, m: N, n: inputs, k: r, alpha: s, a: t.pointer(0), lda: r,
                   b: P.pointer(adapter.a.lowerBound), ldb: inputs, beta: 1, c: dinput.mutablePointer(0), ldc: inputs)
        }
        S.gemm(transposeA: true, transposeB: false, m: r, n: inputs, k: N, alpha: s, a: t.pointer(0), lda: r,
               b: x.pointer(0), ldb: inputs, beta: 1, c: grad.mutablePointer(adapter.a.lowerBound), ldc: inputs)
        S.gemm(transposeA: true, transposeB: false, m: outputs, n: r, k: N, alpha: s, a: dy.pointer(0), lda: outputs,
               b: u.pointer(0), ldb: r, beta: 1, c: grad.mutablePointer(adapter.b.lowerBound), ldc: r)
    }
}
