import GGUF
import LinearAlgebra
import Transformer

extension LlamaModel {
    /// The keys and values of the positions read so far, for each sequence of a batch: sampling reads the
    /// prompts once, then one token a step, each attending to everything before it without computing it
    /// again. The logits are the same as reading each whole sequence at once, to float rounding. A cache is
    /// not copied (its sequences are written in place): ``select(_:)`` is how a sequence goes on twice.
    public struct Cache: ~Copyable, Sendable {
        var sequences: [CachedSequence]

        /// `batch` empty sequences.
        public init(_ model: LlamaModel, batch: Int = 1) {
            sequences = (0..<batch).map { _ in CachedSequence(layers: model.configuration.layers) }
        }

        public var batch: Int { sequences.count }
        /// Positions read so far, by sequence.
        public var counts: [Int] { sequences.map(\.count) }

        /// Keeps the sequences `kept`, in that order (a sequence may be kept more than once: each copy then
        /// goes on by itself).
        public mutating func select(_ kept: [Int]) {
            var taken = Set<Int>()
            sequences = kept.map { taken.insert($0).inserted ? sequences[$0] : sequences[$0].copy() }
        }
    }

    /// Reads `tokens[b]` (at least one) at sequence b's next positions. Returns the logits of each sequence's
    /// last new token ([batch, vocabulary]), or with `everyPosition` of every new token, sequence after sequence.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func append(_ tokens: [[Int32]], to cache: inout Cache, everyPosition: Bool = false, threads: Int = 1) throws -> [S] {
        precondition(tokens.count == cache.batch, "append: \(tokens.count) sequences for a cache of \(cache.batch)")
        guard tokens.allSatisfy({ !$0.isEmpty }) else { throw GGUFError("llama", "append: every sequence needs a token") }
        try check(Array(tokens.joined()), longest: zip(cache.counts, tokens).map { $0 + $1.count }.max() ?? 0)
        let packing = PackedSequences(lengths: tokens.map(\.count)), ranges = Self.shards(packing.lengths), cached = cache.sequences
        let logits = Parallel.map(ranges.count, threads: threads) { i in
            let shard = packing.slice(ranges[i]), sequences = Array(cached[ranges[i]])
            let positions = zip(sequences, shard.lengths).flatMap { $0.count..<$0.count + $1 }
            let readRows = everyPosition ? Array(0..<shard.rowCount) : (0..<shard.count).map { shard.rows($0).upperBound - 1 }
            // A lone shard's gemms take the threads; several shards take one each.
            return forward(Array(tokens[ranges[i]].joined()), packing: shard, positions: positions, readRows: readRows, cache: sequences,
                           threads: ranges.count == 1 ? threads : 1).logits
        }
        for (sequence, new) in zip(cache.sequences, tokens) { sequence.count += new.count }
        return Array(logits.joined())
    }

    /// The likeliest continuation of `prompt`, token by token through a cache, until a token of `stop` (not
    /// included) or `maxTokens`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func greedy(_ prompt: [Int32], maxTokens: Int, stop: Set<Int32> = []) throws -> [Int32] {
        var cache = Cache(self), output: [Int32] = [], next = prompt
        while output.count < maxTokens {
            let logits = try append([next], to: &cache)
            let token = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
            if stop.contains(token) { break }
            output.append(token)
            next = [token]
        }
        return output
    }
}
