/// A batch of sequences of their own lengths, packed row after row with no padding: sequence b holds the rows
/// `rows(b)`. A training batch costs the tokens it has, not its longest sequence times its size.
public struct PackedSequences: Sendable, Equatable {
    /// Rows of each sequence (0 for a sequence that takes no part).
    public let lengths: [Int]
    /// Where each sequence's rows begin; the last element is the total.
    private let starts: [Int]

    public init(lengths: [Int]) {
        precondition(lengths.allSatisfy { $0 >= 0 }, "PackedSequences: a negative length")
        self.lengths = lengths
        var starts = [0]
        for n in lengths { starts.append(starts.last! + n) }
        self.starts = starts
    }

    /// `count` sequences of `length` rows each.
    public init(count: Int, length: Int) { self.init(lengths: Array(repeating: length, count: count)) }

    public var count: Int { lengths.count }
    public var rowCount: Int { starts.last! }
    public var longest: Int { lengths.max() ?? 0 }

    public func rows(_ sequence: Int) -> Range<Int> { starts[sequence]..<starts[sequence + 1] }

    /// The sequences `range`, their rows counted from the first of them.
    public func slice(_ range: Range<Int>) -> PackedSequences { PackedSequences(lengths: Array(lengths[range])) }

    /// Each row's position in its sequence.
    public var positions: [Int] { lengths.flatMap { 0..<$0 } }
}
