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
        forEachFeature(prompt: prompt, response: response) { row[$0] += $1 }
    }

    /// Calls `add(column, value)` for each feature of (prompt, response), always in this order: a row sums a
    /// column's values in it.
    private func forEachFeature(prompt: Text, response: Text, _ add: (Int, Double) -> Void) {
        func hashed(_ kind: UInt64, _ a: Int32, _ b: Int32 = -1, _ value: Double = 1) {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for part in [kind, UInt64(UInt32(bitPattern: a)), UInt64(UInt32(bitPattern: b))] {
                h = (h ^ part) &* 0x0000_0100_0000_01b3
                h ^= h >> 29
            }
            let sign: Double = h & (1 << 63) == 0 ? 1 : -1
            add(Int(h % UInt64(dimension - 2)), sign * value)  // the last two columns are the dense ones
        }
        let y = response.tokens
        let promptTokens = Set(prompt.tokens)
        var copies = 0
        for (i, t) in y.enumerated() {
            hashed(1, t)
            if i > 0 { hashed(2, y[i - 1], t) }
            if promptTokens.contains(t) { copies += 1 }
        }
        let pairWeight = 1 / Double(max(1, prompt.tokens.count)).squareRoot()
        for p in prompt.tokens { for t in y { hashed(3, p, t, pairWeight) } }
        if y.count >= 2 { hashed(4, y[y.count - 2]) }
        hashed(5, Int32(min(y.count / 3, 10)))
        // Dense columns reserved at the end: copying and length, scaled to be O(1).
        add(dimension - 1, Double(copies) / Double(max(1, y.count)))
        add(dimension - 2, Double(y.count) / 10)
    }

    /// At most how many nonzero entries the features of a (prompt, response) pair of these lengths have: one per
    /// feature (fewer when hashes collide), and never more than `dimension`.
    public func maximumEntries(promptLength: Int, responseLength: Int) -> Int {
        let y = responseLength
        let hashed = y + max(0, y - 1) + promptLength * y + (y >= 2 ? 1 : 0) + 1
        return min(dimension, hashed + 2)
    }

    /// At most how many nonzero entries the features of every candidate of these prompts have.
    public func maximumEntries(prompts: [Prompt], candidates: CandidateSets) -> Int {
        var entries = 0
        for prompt in prompts {
            for response in candidates[prompt] { entries += maximumEntries(promptLength: prompt.text.count, responseLength: response.count) }
        }
        return entries
    }

    /// The features of every candidate of every prompt, rows in ``CandidateSets/offsets`` order (a prompt not
    /// given has rows of zeros). Each row is summed densely, as `accumulate` sums it, and stored sparse; the work
    /// per row follows its features, not `dimension`.
    public func rows(prompts: [Prompt], candidates: CandidateSets) -> SparseRows {
        var byID = [Prompt?](repeating: nil, count: candidates.offsets.count - 1)
        for prompt in prompts { byID[prompt.id] = prompt }
        var rows = SparseRows(columns: dimension)
        // Room for the most the rows can hold, so that storage never grows by copying; pages never written are
        // never resident.
        rows.reserveCapacity(rows: candidates.offsets.last!, entries: maximumEntries(prompts: prompts, candidates: candidates))
        var row = [Double](repeating: 0, count: dimension)
        var touched = [UInt64](repeating: 0, count: (dimension + 63) / 64)  // a bit per column the row touched
        row.withUnsafeMutableBufferPointer { row in
            touched.withUnsafeMutableBufferPointer { touched in
                for (id, prompt) in byID.enumerated() {
                    for k in 0..<(candidates.offsets[id + 1] - candidates.offsets[id]) {
                        if let prompt {
                            forEachFeature(prompt: prompt.text, response: candidates[prompt][k]) { j, x in
                                row[j] += x
                                touched[j >> 6] |= 1 << UInt64(j & 63)
                            }
                        }
                        // The touched columns in increasing order; each is left zero for the next row.
                        for w in touched.indices {
                            while touched[w] != 0 {
                                let j = w << 6 + touched[w].trailingZeroBitCount
                                touched[w] &= touched[w] - 1
                                if row[j] != 0 { rows.append(column: j, value: row[j]) }
                                row[j] = 0
                            }
                        }
                        rows.endRow()
                    }
                }
            }
        }
        return rows
    }
}
