internal import COpenBLAS
public import RealModule

/// A floating-point type OpenBLAS multiplies: `Float` (sgemm, the fast path) or `Double` (dgemm, for
/// gradient checks). Code generic over it runs the same arithmetic at either precision.
public protocol BLASScalar: BinaryFloatingPoint, Real, Sendable {
    /// C <- alpha op(A) op(B) + beta C, row-major: C is m x n, op(A) m x k, op(B) k x n, with leading
    /// dimensions lda, ldb, ldc (the row strides, so sub-blocks of larger matrices work in place).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// x <- exp(x) element by element (``VectorExp``): vectorised for Float, libm's exp for Double.
    static func exponentiate(_ x: UnsafeMutablePointer<Self>, count: Int)
}

extension Float: BLASScalar {
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}

extension Double: BLASScalar {
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
