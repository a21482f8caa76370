/// A row-major matrix of `Double` that keeps only each row's nonzero entries (compressed sparse rows): hashed
/// features fill a fraction of their columns, and a dense matrix of every candidate's features outgrows memory
/// in a world of the paper's size.
///
/// Products lay the block of rows they need out densely (``dense(rows:)``) and run OpenBLAS's gemv on it: the
/// same kernel on the same numbers as when the whole matrix was dense, so the results agree with it to the bit
/// (a sparse dot product would add the terms in another order).
public struct SparseRows: Sendable, Equatable {
    public let columns: Int
    /// Row r's entries are at `rowStarts[r]..<rowStarts[r + 1]` of `columnIndices` and `values`, in column order.
    public private(set) var rowStarts: [Int] = [0]
    public private(set) var columnIndices: [UInt16] = []
    public private(set) var values: [Double] = []

    public init(columns: Int) {
        precondition(columns >= 0 && columns <= 1 << 16, "a sparse matrix has 0...65,536 columns (hashed features: the policy file allows 8,192)")
        self.columns = columns
    }

    /// Bytes per stored entry: its value and its column.
    public static let bytesPerEntry = MemoryLayout<Double>.size + MemoryLayout<UInt16>.size

    public var rows: Int { rowStarts.count - 1 }

    /// Room for `rows` rows of `entries` entries in all, so that appending them never copies the storage.
    public mutating func reserveCapacity(rows: Int, entries: Int) {
        rowStarts.reserveCapacity(rows + 1)
        columnIndices.reserveCapacity(entries)
        values.reserveCapacity(entries)
    }

    /// Adds an entry to the last row, which `endRow` ends; a row's entries come in increasing column order.
    public mutating func append(column: Int, value: Double) {
        precondition(column < columns && (rowStarts.last! == values.count || Int(columnIndices.last!) < column),
                     "entries come in increasing column order, below \(columns)")
        columnIndices.append(UInt16(column))
        values.append(value)
    }

    /// Ends the row the entries since the last `endRow` make (none: a row of zeros).
    public mutating func endRow() { rowStarts.append(values.count) }

    public subscript(row: Int, column: Int) -> Double {
        let entries = rowStarts[row]..<rowStarts[row + 1]
        return entries.first { columnIndices[$0] == column }.map { values[$0] } ?? 0
    }

    /// The rows of `range` as a dense matrix. Each row is cleared and filled in turn, while it is still in the
    /// closest cache.
    public func dense(rows range: Range<Int>) -> Matrix {
        let count = range.count * columns
        let storage = [Double](unsafeUninitializedCapacity: count) { block, initialized in
            columnIndices.withUnsafeBufferPointer { column in
                values.withUnsafeBufferPointer { value in
                    for (i, r) in range.enumerated() {
                        let row = UnsafeMutableBufferPointer(rebasing: block[i * columns..<(i + 1) * columns])
                        row.initialize(repeating: 0)
                        for e in rowStarts[r]..<rowStarts[r + 1] { row[Int(column[e])] = value[e] }
                    }
                }
            }
            initialized = count
        }
        return Matrix(rows: range.count, columns: columns, storage: storage)
    }

    /// y = A[rowRange, :] x for a block of consecutive rows.
    public func times(_ x: [Double], rows rowRange: Range<Int>) -> [Double] {
        dense(rows: rowRange).times(x, rows: 0..<rowRange.count)
    }

    /// accumulator += A[rowRange, :]^T g: the pull-back of `times` onto x.
    public func accumulateTransposedTimes(_ g: [Double], rows rowRange: Range<Int>, into accumulator: inout [Double]) {
        dense(rows: rowRange).accumulateTransposedTimes(g, rows: 0..<rowRange.count, into: &accumulator)
    }
}
