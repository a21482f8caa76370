import LinearAlgebra

/// Incremental decoding with a key-value cache: the prompt runs once through the full forward pass, then
/// each new token costs one row per sequence instead of the whole prefix again. Both run the blocks of
/// TransformerBlock.swift; only decoding's attention reads the cache (a test checks the logits agree).
extension TransformerModel {
    /// The keys and values of every layer for a batch of sequences being decoded.
    public struct DecodingCache: Sendable {
        /// Where a sequence's rows live in `keys` and `values`: [layers, batch, context, width].
        struct Slots: Sendable {
            var layers: Int, batch: Int, context: Int, width: Int
            var count: Int { layers * batch * context * width }
            /// Where sequence `sequence` of layer `layer` starts.
            func offset(layer: Int, sequence: Int) -> Int { (layer * batch + sequence) * context * width }
        }

        private(set) var slots: Slots
        public var batch: Int { slots.batch }
        /// Tokens so far in every sequence.
        public internal(set) var length: Int
        /// Heads packed along the width as in the qkv projection.
        var keys: [S]
        var values: [S]

        init(batch: Int, layers: Int, context: Int, width: Int) {
            slots = Slots(layers: layers, batch: batch, context: context, width: width)
            length = 0
            keys = [S](repeating: 0, count: slots.count)
            values = keys
        }

        /// Keeps sequence `rows[i]` as sequence i (beam search's reordering); the batch becomes `rows.count`.
        public mutating func select(_ rows: [Int]) {
            let old = slots
            slots.batch = rows.count
            let new = slots, filled = length * old.width
            // Only the positions decoded so far are copied; a slot's others are written before they are read.
            func gather(_ cache: [S]) -> [S] {
                var out = [S](repeating: 0, count: new.count)
                cache.withUnsafeBufferPointer { from in
                    out.withUnsafeMutableBufferPointer { to in
                        for l in 0..<old.layers {
                            for (i, row) in rows.enumerated() {
                                (to.baseAddress! + new.offset(layer: l, sequence: i))
                                    .update(from: from.baseAddress! + old.offset(layer: l, sequence: row), count: filled)
                            }
                        }
                    }
                }
                return out
            }
            keys = gather(keys)
            values = gather(values)
        }

        /// Stores the key and value of qkv row `row` ([3 width] each) at `position` of the slot starting at `at`.
        static func store(_ qkv: UnsafePointer<S>, row: Int, width: Int, keys: UnsafeMutablePointer<S>, values: UnsafeMutablePointer<S>,
                          at slot: Int, position: Int) {
            let from = row * 3 * width, to = slot + position * width
            for i in 0..<width {
                keys[to + i] = qkv[from + width + i]
                values[to + i] = qkv[from + 2 * width + i]
            }
        }
    }

    /// Sequences per shard of a decoding step. Fixed, like training's shards, so that a step gives the same
    /// bits whatever the number of threads that run its shards.
    static var sequencesPerDecodingShard: Int { 32 }

    /// Runs the prompts ([batch, length], all the same length) and returns the cache and the logits of each
    /// sequence's last position, [batch, vocabulary].
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func prefill(tokens: [Int32], batch: Int, length: Int, threads: Int = 1) throws -> (cache: DecodingCache, logits: [S]) {
        let a = try forward(tokens: tokens, sequences: PackedSequences(count: batch, length: length),
                            readingOut: Array(repeating: 1, count: batch), threads: threads)
        let c = configuration
        var cache = DecodingCache(batch: batch, layers: c.layers, context: c.contextLength, width: c.width)
        cache.length = length
        let slots = cache.slots
        cache.keys.withUnsafeMutableBufferPointer { keys in
            cache.values.withUnsafeMutableBufferPointer { values in
                for shard in a.shards {
                    for (l, s) in shard.blocks.enumerated() {
                        for (j, b) in shard.sequences.enumerated() {
                            let slot = slots.offset(layer: l, sequence: b)
                            for t in 0..<length {
                                DecodingCache.store(s.qkv, row: j * length + t, width: c.width, keys: keys.baseAddress!, values: values.baseAddress!,
                                                    at: slot, position: t)
                            }
                        }
                    }
                }
            }
        }
        return (cache, a.logits)
    }

    /// Appends one token to every sequence and returns the next-token logits, [batch, vocabulary]. Shards of
    /// the batch run on up to `threads` threads, each writing only its own sequences' cache and logits.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func decode(_ tokens: [Int32], cache: inout DecodingCache, threads: Int = 1) throws -> [S] {
        let c = configuration, V = c.vocabularySize, B = cache.batch, t = cache.length
        precondition(tokens.count == B, "decode: one token per sequence")
        guard t < c.contextLength else { throw TransformerError.sequenceTooLong(length: t + 1, context: c.contextLength) }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= V }) { throw TransformerError.tokenOutOfRange(token: bad, vocabulary: V) }
        let ranges = stride(from: 0, to: B, by: Self.sequencesPerDecodingShard).map { $0..<min($0 + Self.sequencesPerDecodingShard, B) }
        var logits = [S](repeating: 0, count: B * V)
        let slots = cache.slots
        logits.withUnsafeMutableBufferPointer { out in
            cache.keys.withUnsafeMutableBufferPointer { keys in
                cache.values.withUnsafeMutableBufferPointer { values in
                    let (out, keys, values) = (UncheckedPointer(out.baseAddress!), UncheckedPointer(keys.baseAddress!), UncheckedPointer(values.baseAddress!))
                    _ = Parallel.map(ranges.count, threads: threads) { i in
                        decode(shard: ranges[i], tokens: tokens, position: t, slots: slots, keys: keys.pointer, values: values.pointer,
                               logits: out.pointer + ranges[i].lowerBound * V)
                    }
                }
            }
        }
        cache.length += 1
        return logits
    }

    /// One shard's step: its sequences' new rows through every block, attending over their cached keys.
    private func decode(shard sequences: Range<Int>, tokens: [Int32], position t: Int, slots: DecodingCache.Slots,
                        keys: UnsafeMutablePointer<S>, values: UnsafeMutablePointer<S>, logits: UnsafeMutablePointer<S>) {
        let c = configuration, n = sequences.count
        let heads = CausalSelfAttention.Heads(c)
        var scratch = [S](repeating: 0, count: t + 1)
        parameters.withUnsafeBufferPointer { pb in
            let P = pb.baseAddress!
            var x = embed(tokens[sequences], position: { _ in t }, parameters: P)
            for l in layout.blocks.indices {
                // The shard's sequences are contiguous in each layer's cache.
                let first = slots.offset(layer: l, sequence: sequences.lowerBound)
                _ = block(l, &x, rows: n, parameters: P) { qkv, attention in
                    qkv.withUnsafeBufferPointer { q in
                        for j in 0..<n {
                            DecodingCache.store(q.baseAddress!, row: j, width: c.width, keys: keys, values: values,
                                                at: first + j * c.contextLength * c.width, position: t)
                        }
                    }
                    CausalSelfAttention.forward(query: qkv, keys: keys + first, values: values + first, context: c.contextLength,
                                                batch: n, length: t + 1, heads: heads, output: &attention, scratch: &scratch)
                    return []
                }
            }
            _ = head(x, rows: n, parameters: P, logits: logits)
        }
    }
}
