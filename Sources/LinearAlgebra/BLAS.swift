internal import COpenBLAS

/// The OpenBLAS kernels HumorGym uses, on row-major `Double` storage.
public enum BLAS {
    /// Pins OpenBLAS to `count` threads. Deterministic runs use one: threaded reductions reorder sums.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1")
        openblas_set_num_threads(Int32(count))
    }

    /// y <- alpha * op(A) x + beta * y, A row-major rows x cols at `a` with leading dimension cols.
    public static func gemv(
        transpose: Bool, rows: Int, cols: Int, alpha: Double, a: UnsafePointer<Double>,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(rows), blasint(cols),
                    alpha, a, blasint(cols), x, 1, beta, y, 1)
    }
}
