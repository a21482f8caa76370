import LinearAlgebra

/// An affine map y = x W + b on a batch of rows, W stored [in, out] (OpenBLAS gemm).
/// Backward: dx += dy W^T, dW += x^T dy, db += the column sums of dy.
enum Linear {
    static func forward<S: BLASScalar>(
        _ x: UnsafePointer<S>, weight w: UnsafePointer<S>, bias b: UnsafePointer<S>, rows: Int, inputs: Int, outputs: Int,
        output y: UnsafeMutablePointer<S>
    ) {
        for r in 0..<rows { (y + r * outputs).update(from: b, count: outputs) }
        S.gemm(transposeA: false, transposeB: false, m: rows, n: outputs, k: inputs, alpha: 1,
               a: x, lda: inputs, b: w, ldb: outputs, beta: 1, c: y, ldc: outputs)
    }

    /// Accumulates into dx (when given), dW and db.
    static func backward<S: BLASScalar>(
        _ dy: UnsafePointer<S>, input x: UnsafePointer<S>, weight w: UnsafePointer<S>, rows: Int, inputs: Int, outputs: Int,
        dx: UnsafeMutablePointer<S>?, dw: UnsafeMutablePointer<S>, db: UnsafeMutablePointer<S>
    ) {
        if let dx {
            S.gemm(transposeA: false, transposeB: true, m: rows, n: inputs, k: outputs, alpha: 1,
                   a: dy, lda: outputs, b: w, ldb: outputs, beta: 1, c: dx, ldc: inputs)
        }
        S.gemm(transposeA: true, transposeB: false, m: inputs, n: outputs, k: rows, alpha: 1,
               a: x, lda: inputs, b: dy, ldb: outputs, beta: 1, c: dw, ldc: outputs)
        for r in 0..<rows {
            let row = dy + r * outputs
            for j in 0..<outputs { db[j] += row[j] }
        }
    }
}
