import HumorGym
import LinearAlgebra

/// Hashed features of a (prompt, response) pair for the log-linear student: response unigrams and
/// bigrams, (prompt token, response token) pairs, the token before the final full stop, how many
/// response tokens copy the prompt, and length. Signed feature hashing (Weinberger et al., 2009) folds
/// them into `dimension` columns.
///
/// These are surface features any student could compute; none is a term of the gold judge, which the
/// student must discover from teacher data and critic feedback.
public struct FeatureMap: Sendable, Equatable {
    public let dimension: Int

    public init(dimension: Int) {
        precondition(dimension >= 8, "a feature map needs at least 8 dimensions")
        self.dimension = dimension
    }

    /// Adds the features of (prompt, response) into `row` (length `dimension`).
    public func accumulate(prompt: Text, response: Text, into row: UnsafeMutableBufferPointer<Double>) {
        func add(_ kind: UInt64, _ a: Int32, _ b: Int32 = -1, _ value: Double = 1) {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for part in [kind, UInt64(UInt32(bitPattern: a)), UInt64(UInt32(bitPattern: b))] {
                h = (h ^ part) &* 0x0000_0100_0000_01b3
                h ^= h >> 29
            }
            let sign: Double = h & (1 << 63) == 0 ? 1 : -1
            row[Int(h % UInt64(dimension - 2))] += sign * value  // the last two columns are the dense ones
        }
        let y = response.tokens
        let promptTokens = Set(prompt.tokens)
        var copies = 0
        for (i, t) in y.enumerated() {
            add(1, t)
            if i > 0 { add(2, y[i - 1], t) }
            if promptTokens.contains(t) { copies += 1 }
        }
        let pairWeight = 1 / Double(max(1, prompt.tokens.count)).squareRoot()
        for p in prompt.tokens { for t in y { add(3, p, t, pairWeight) } }
        if y.count >= 2 { add(4, y[y.count - 2]) }
        add(5, Int32(min(y.count / 3, 10)))
        // Dense columns reserved at the end: copying and length, scaled to be O(1).
        row[dimension - 1] += Double(copies) / Double(max(1, y.count))
        row[dimension - 2] += Double(y.count) / 10
    }

    /// The feature matrix of every candidate of every prompt, rows in ``CandidateSets/offsets`` order.
    public func matrix(prompts: [Prompt], candidates: CandidateSets) -> Matrix {
        let offsets = candidates.offsets
        var m = Matrix(rows: offsets.last!, columns: dimension)
        m.storage.withUnsafeMutableBufferPointer { storage in
            for prompt in prompts {
                for (k, response) in candidates[prompt].enumerated() {
                    let start = (offsets[prompt.id] + k) * dimension
                    accumulate(prompt: prompt.text, response: response,
                               into: UnsafeMutableBufferPointer(rebasing: storage[start..<start + dimension]))
                }
            }
        }
        return m
    }
}
