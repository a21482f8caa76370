import LinearAlgebra

/// A batch of "prompt, then response" token sequences packed for a language model that scores the response:
/// log pi(y | x) is the sum of log p(token | everything before it) over the response's tokens. Each sequence is
/// read up to its last token, which is only ever a target, so it fits when all but that token fit the context;
/// one that does not takes no rows and scores -infinity. Every student that reads text this way (the
/// transformer, the Llama model) packs, scores and pulls back through this one piece.
public struct ResponseBatch: Sendable {
    /// The inputs, sequence after sequence, without padding.
    public let tokens: [Int32]
    /// Each read-out row's next token: the response's tokens.
    public let targets: [Int32]
    public let sequences: PackedSequences
    /// The rows read out of each sequence (its response's length; 0 for one that does not fit).
    public let readOut: PackedSequences
    public let fits: [Bool]

    /// - Parameter sequences: each example's tokens and where its response starts.
    public init(_ sequences: [(tokens: [Int32], responseStart: Int)], context: Int) {
        fits = sequences.map { $0.tokens.count - 1 <= context }
        var tokens: [Int32] = [], targets: [Int32] = []
        for (s, ok) in zip(sequences, fits) where ok {
            tokens += s.tokens.dropLast()
            targets += s.tokens[s.responseStart...]
        }
        (self.tokens, self.targets) = (tokens, targets)
        self.sequences = PackedSequences(lengths: zip(sequences, fits).map { $1 ? $0.tokens.count - 1 : 0 })
        readOut = PackedSequences(lengths: zip(sequences, fits).map { $1 ? $0.tokens.count - $0.responseStart : 0 })
    }

    /// log pi(y_i | x_i) for each sequence from the logits of the read-out rows.
    @_specialize(where S == Float)
    public func values<S: BLASScalar>(logits: [S], vocabulary: Int) -> [Double] {
        let perToken = NextTokenLogProbabilities.values(logits: logits, vocabulary: vocabulary, targets: targets)
        return fits.indices.map { i in fits[i] ? perToken[readOut.rows(i)].reduce(0.0) { $0 + Double($1) } : -.infinity }
    }

    /// d(sum_i g_i log pi(y_i | x_i)) / dlogits.
    @_specialize(where S == Float)
    public func logitGradient<S: BLASScalar>(logits: [S], vocabulary: Int, upstream: [Double]) -> [S] {
        var rowWeights = [S](repeating: 0, count: targets.count)
        for (i, g) in upstream.enumerated() {
            for r in readOut.rows(i) { rowWeights[r] = S(g) }
        }
        return NextTokenLogProbabilities.logitGradient(logits: logits, vocabulary: vocabulary, targets: targets, upstream: rowWeights)
    }
}
