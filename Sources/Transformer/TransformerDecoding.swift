import LinearAlgebra

/// Incremental decoding with a key-value cache: the prompt runs once through the full forward pass, then
/// each new token costs one row per sequence instead of the whole prefix again. Both run the blocks of
/// TransformerBlock.swift; only decoding's attention reads the cache (a test checks the logits agree).
extension TransformerModel {
    /// The keys and values of every layer for a batch of sequences being decoded.
    public struct DecodingCache: Sendable {
        public private(set) var batch: Int
        /// Tokens so far in every sequence.
        public internal(set) var length: Int
        /// The model's context length and width: where a row lives in `keys` and `values`.
        let context: Int, width: Int
        /// Per layer, [batch, context, width]: heads packed along the width as in the qkv projection.
        var keys: [[S]]
        var values: [[S]]

        init(batch: Int, layers: Int, context: Int, width: Int) {
            self.batch = batch
            length = 0
            self.context = context
            self.width = width
            keys = Array(repeating: [S](repeating: 0, count: batch * context * width), count: layers)
            values = keys
        }

        /// Keeps sequence `rows[i]` as sequence i (beam search's reordering); the batch becomes `rows.count`.
        public mutating func select(_ rows: [Int]) {
            let slot = context * width
            func gather(_ cache: [S]) -> [S] { rows.flatMap { cache[($0 * slot)..<(($0 + 1) * slot)] } }
            keys = keys.map(gather)
            values = values.map(gather)
            batch = rows.count
        }

        /// Stores the key and value of qkv row `row` ([3 width] each) as `position` of `sequence` in `layer`.
        mutating func store(_ qkv: [S], row: Int, layer: Int, sequence: Int, position: Int) {
            let from = row * 3 * width, to = (sequence * context + position) * width
            for i in 0..<width {
                keys[layer][to + i] = qkv[from + width + i]
                values[layer][to + i] = qkv[from + 2 * width + i]
            }
        }
    }

    /// Runs the prompts ([batch, length], all the same length) and returns the cache and the logits of each
    /// sequence's last position, [batch, vocabulary].
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func prefill(tokens: [Int32], batch: Int, length: Int) throws -> (cache: DecodingCache, logits: [S]) {
        let a = try forward(tokens: tokens, batch: batch, length: length)
        let c = configuration, V = c.vocabularySize
        var cache = DecodingCache(batch: batch, layers: c.layers, context: c.contextLength, width: c.width)
        cache.length = length
        for shard in a.shards {
            for (l, s) in shard.blocks.enumerated() {
                for (j, b) in shard.sequences.enumerated() {
                    for t in 0..<length { cache.store(s.qkv, row: j * length + t, layer: l, sequence: b, position: t) }
                }
            }
        }
        var last: [S] = []
        for b in 0..<batch { let end = (b + 1) * length * V; last += a.logits[(end - V)..<end] }
        return (cache, last)
    }

    /// Appends one token to every sequence and returns the next-token logits, [batch, vocabulary].
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func decode(_ tokens: [Int32], cache: inout DecodingCache) throws -> [S] {
        let c = configuration, V = c.vocabularySize, B = cache.batch, t = cache.length
        precondition(tokens.count == B, "decode: one token per sequence")
        guard t < c.contextLength else { throw TransformerError.sequenceTooLong(length: t + 1, context: c.contextLength) }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= V }) { throw TransformerError.tokenOutOfRange(token: bad, vocabulary: V) }
        let shape = CausalSelfAttention.Shape(batch: B, length: t + 1, heads: c.heads, headWidth: c.headWidth)
        var logits = [S](repeating: 0, count: B * V), scratch = [S](repeating: 0, count: t + 1)
        parameters.withUnsafeBufferPointer { pb in
            let P = pb.baseAddress!
            var x = embed(tokens[...], position: { _ in t }, parameters: P)
            for l in layout.blocks.indices {
                _ = block(l, &x, rows: B, parameters: P) { qkv, attention in
                    for b in 0..<B { cache.store(qkv, row: b, layer: l, sequence: b, position: t) }
                    CausalSelfAttention.forward(query: qkv, keys: cache.keys[l], values: cache.values[l], context: c.contextLength,
                                                shape: shape, output: &attention, scratch: &scratch)
                    return []
                }
            }
            _ = head(x, rows: B, parameters: P, logits: &logits)
        }
        cache.length += 1
        return logits
    }
}
