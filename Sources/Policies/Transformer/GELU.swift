import LinearAlgebra

/// GELU, tanh approximation (Hendrycks and Gimpel, 2016; GPT-2; PyTorch's `gelu(approximate="tanh")`):
///     y = x/2 (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
///     dy/dx = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
enum GELU {
    static let c: Double = (2 / Double.pi).squareRoot()

    /// tanh(u) = 1 - 2 / (exp(2u) + 1): one exp instead of libm's tanh, which costs two; exact at both
    /// ends (exp overflowing to infinity gives 1, underflowing to 0 gives -1).
    @inline(__always) static func tanh<S: BLASScalar>(_ u: S) -> S { 1 - 2 / (S.exp(2 * u) + 1) }

    static func forward<S: BLASScalar>(_ x: UnsafePointer<S>, count: Int, output y: UnsafeMutablePointer<S>) {
        let c = S(Self.c), k = S(0.044715)
        for i in 0..<count {
            let v = x[i]
            let t: S = tanh(c * (v + k * v * v * v))
            y[i] = v / 2 * (1 + t)
        }
    }

    /// Accumulates into dx.
    static func backward<S: BLASScalar>(_ dy: UnsafePointer<S>, input x: UnsafePointer<S>, count: Int, dx: UnsafeMutablePointer<S>) {
        let c = S(Self.c), k = S(0.044715)
        for i in 0..<count {
            let v = x[i]
            let t: S = tanh(c * (v + k * v * v * v))
            let du: S = c * (1 + 3 * k * v * v)
            let slope: S = (1 + t) / 2 + v / 2 * (1 - t * t) * du
            dx[i] += dy[i] * slope
        }
    }
}
