/// A dense row-major matrix of `Double`, the storage the OpenBLAS kernels read.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var storage: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over `storage`, row-major.
    init(rows: Int, columns: Int, storage: [Double]) {
        precondition(rows >= 0 && columns >= 0 && storage.count == rows * columns, "storage does not hold \(rows) x \(columns) entries")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// y = A[rowRange, :] x for a block of consecutive rows.
    public func times(_ x: [Double], rows rowRange: Range<Int>) -> [Double] {
        precondition(x.count == columns, "vector length \(x.count) does not match \(columns) columns")
        var y = [Double](repeating: 0, count: rowRange.count)
        gemv(transpose: false, rows: rowRange, x, beta: 0, into: &y)
        return y
    }

    /// accumulator += A[rowRange, :]^T g: the pull-back of `times` onto x.
    public func accumulateTransposedTimes(_ g: [Double], rows rowRange: Range<Int>, into accumulator: inout [Double]) {
        precondition(g.count == rowRange.count && accumulator.count == columns, "shape mismatch in A^T g")
        gemv(transpose: true, rows: rowRange, g, beta: 1, into: &accumulator)
    }

    /// y <- op(A[rowRange, :]) x + beta y through OpenBLAS.
    private func gemv(transpose: Bool, rows rowRange: Range<Int>, _ x: [Double], beta: Double, into y: inout [Double]) {
        guard !rowRange.isEmpty, columns > 0 else { return }
        storage.withUnsafeBufferPointer { a in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    BLAS.gemv(transpose: transpose, rows: rowRange.count, cols: columns, alpha: 1,
                              a: a.baseAddress! + rowRange.lowerBound * columns, x: xp.baseAddress!, beta: beta, y: yp.baseAddress!)
                }
            }
        }
    }
}
