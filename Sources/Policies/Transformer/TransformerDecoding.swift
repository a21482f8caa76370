import LinearAlgebra

/// Incremental decoding with a key-value cache: the prompt runs once through the full forward pass, then
/// each new token costs one row per sequence instead of the whole prefix again. Same arithmetic as
/// ``TransformerModel/forward(tokens:batch:length:)``, position by position (a test checks the logits agree).
extension TransformerModel {
    /// The keys and values of every layer for a batch of sequences being decoded.
    public struct DecodingCache: Sendable {
        public private(set) var batch: Int
        /// Tokens so far in every sequence.
        public internal(set) var length: Int
        /// Per layer, [batch, context, width]: heads packed along the width as in the qkv projection.
        var keys: [[S]]
        var values: [[S]]

        /// Keeps sequence `rows[i]` as sequence i (beam search's reordering); the batch becomes `rows.count`.
        public mutating func select(_ rows: [Int]) {
            let slot = keys.isEmpty ? 0 : keys[0].count / batch
            func gather(_ cache: [S]) -> [S] { rows.flatMap { cache[($0 * slot)..<(($0 + 1) * slot)] } }
            keys = keys.map(gather)
            values = values.map(gather)
            batch = rows.count
        }
    }

    /// Runs the prompts ([batch, length], all the same length) and returns the cache and the logits of each
    /// sequence's last position, [batch, vocabulary].
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func prefill(tokens: [Int32], batch: Int, length: Int) throws -> (cache: DecodingCache, logits: [S]) {
        let a = try forward(tokens: tokens, batch: batch, length: length)
        let c = configuration, d = c.width, V = c.vocabularySize
        var cache = DecodingCache(batch: batch, length: length, keys: [], values: [])
        for l in layout.blocks.indices {
            var k = [S](repeating: 0, count: batch * c.contextLength * d), v = k
            for shard in a.shards {
                let qkv = shard.blocks[l].qkv
                for (j, b) in shard.sequences.enumerated() {
                    for t in 0..<length {
                        let row = (j * length + t) * 3 * d, slot = (b * c.contextLength + t) * d
                        for i in 0..<d {
                            k[slot + i] = qkv[row + d + i]
                            v[slot + i] = qkv[row + 2 * d + i]
                        }
                    }
                }
            }
            cache.keys.append(k)
            cache.values.append(v)
        }
        var logits = [S](repeating: 0, count: batch * V)
        for b in 0..<batch {
            let last = (b * length + length - 1) * V
            for j in 0..<V { logits[b * V + j] = a.logits[last + j] }
        }
        return (cache, logits)
    }

    /// Appends one token to every sequence and returns the next-token logits, [batch, vocabulary].
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func decode(_ tokens: [Int32], cache: inout DecodingCache) throws -> [S] {
        let c = configuration, d = c.width, h = c.hiddenWidth, V = c.vocabularySize, B = cache.batch, t = cache.length
        precondition(tokens.count == B, "decode: one token per sequence")
        guard t < c.contextLength else { throw TransformerError.sequenceTooLong(length: t + 1, context: c.contextLength) }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= V }) { throw TransformerError.tokenOutOfRange(token: bad, vocabulary: V) }
        let eps = S(c.layerNormEpsilon), hd = c.headWidth, scale = 1 / S.sqrt(S(hd))
        var logits = [S](repeating: 0, count: B * V)
        parameters.withUnsafeBufferPointer { pb in
            let P = pb.baseAddress!
            var x = [S](repeating: 0, count: B * d)
            for b in 0..<B {
                let token = P + layout.tokenEmbedding.offset + Int(tokens[b]) * d, position = P + layout.positionEmbedding.offset + t * d
                for i in 0..<d { x[b * d + i] = token[i] + position[i] }
            }
            var normed = [S](repeating: 0, count: B * d), mean = [S](repeating: 0, count: B), rstd = mean
            var qkv = [S](repeating: 0, count: B * 3 * d), attention = [S](repeating: 0, count: B * d), projected = attention
            var fc = [S](repeating: 0, count: B * h), gelu = fc, weights = [S](repeating: 0, count: t + 1)
            for (l, blk) in layout.blocks.enumerated() {
                LayerNorm.forward(x, weight: P + blk.ln1Weight.offset, bias: P + blk.ln1Bias.offset, rows: B, width: d, epsilon: eps,
                                  output: &normed, mean: &mean, rstd: &rstd)
                Linear.forward(normed, weight: P + blk.attentionWeight.offset, bias: P + blk.attentionBias.offset,
                               rows: B, inputs: d, outputs: 3 * d, output: &qkv)
                for b in 0..<B {
                    let slot = (b * c.contextLength + t) * d
                    for i in 0..<d {
                        cache.keys[l][slot + i] = qkv[b * 3 * d + d + i]
                        cache.values[l][slot + i] = qkv[b * 3 * d + 2 * d + i]
                    }
                    for head in 0..<c.heads {
                        let q = b * 3 * d + head * hd
                        var m = -S.infinity
                        for j in 0...t {
                            let key = (b * c.contextLength + j) * d + head * hd
                            var s: S = 0
                            for i in 0..<hd { s += qkv[q + i] * cache.keys[l][key + i] }
                            weights[j] = s * scale
                            m = Swift.max(m, weights[j])
                        }
                        var sum: S = 0
                        for j in 0...t { weights[j] = S.exp(weights[j] - m); sum += weights[j] }
                        let out = b * d + head * hd
                        for i in 0..<hd { attention[out + i] = 0 }
                        for j in 0...t {
                            let p = weights[j] / sum, value = (b * c.contextLength + j) * d + head * hd
                            for i in 0..<hd { attention[out + i] += p * cache.values[l][value + i] }
                        }
                    }
                }
                Linear.forward(attention, weight: P + blk.projectionWeight.offset, bias: P + blk.projectionBias.offset,
                               rows: B, inputs: d, outputs: d, output: &projected)
                for i in 0..<(B * d) { x[i] += projected[i] }
                LayerNorm.forward(x, weight: P + blk.ln2Weight.offset, bias: P + blk.ln2Bias.offset, rows: B, width: d, epsilon: eps,
                                  output: &normed, mean: &mean, rstd: &rstd)
                Linear.forward(normed, weight: P + blk.fcWeight.offset, bias: P + blk.fcBias.offset, rows: B, inputs: d, outputs: h, output: &fc)
                GELU.forward(fc, count: B * h, output: &gelu)
                Linear.forward(gelu, weight: P + blk.fcProjectionWeight.offset, bias: P + blk.fcProjectionBias.offset,
                               rows: B, inputs: h, outputs: d, output: &projected)
                for i in 0..<(B * d) { x[i] += projected[i] }
            }
            LayerNorm.forward(x, weight: P + layout.finalLayerNormWeight.offset, bias: P + layout.finalLayerNormBias.offset,
                              rows: B, width: d, epsilon: eps, output: &normed, mean: &mean, rstd: &rstd)
            S.gemm(transposeA: false, transposeB: true, m: B, n: V, k: d, alpha: 1, a: normed, lda: d,
                   b: P + layout.tokenEmbedding.offset, ldb: d, beta: 0, c: &logits, ldc: V)
        }
        cache.length += 1
        return logits
    }
}
