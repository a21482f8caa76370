import LinearAlgebra

/// GELU, tanh approximation (Hendrycks and Gimpel, 2016; GPT-2; PyTorch's `gelu(approximate="tanh")`):
///     y = x/2 (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
///     dy/dx = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
enum GELU {
    static let c: Double = (2 / Double.pi).squareRoot()

    /// Writes y and, when given, tanh(u) for the backward pass (which then needs no exp). tanh(u) is
    /// computed as 1 - 2 / (exp(2u) + 1), one vectorised exp over the whole array; exact at both ends (a
    /// huge exp gives 1, a vanishing one -1).
    static func forward<S: BLASScalar>(_ x: UnsafePointer<S>, count: Int, output y: UnsafeMutablePointer<S>,
                                       tanh t: UnsafeMutablePointer<S>? = nil) {
        let c2 = S(2 * Self.c), k = S(0.044715)
        for i in 0..<count {
            let v = x[i]
            y[i] = c2 * (v + k * v * v * v)
        }
        S.exponentiate(y, count: count)
        for i in 0..<count {
            let th = 1 - 2 / (y[i] + 1)
            y[i] = x[i] / 2 * (1 + th)
            t?[i] = th
        }
    }

    /// Accumulates into dx, from the input and the tanh(u) that forward stored.
    static func backward<S: BLASScalar>(_ dy: UnsafePointer<S>, input x: UnsafePointer<S>, tanh t: UnsafePointer<S>, count: Int,
                                        dx: UnsafeMutablePointer<S>) {
        let c = S(Self.c), k3 = S(3 * 0.044715)
        for i in 0..<count {
            let v = x[i], th = t[i]
            let du: S = c * (1 + k3 * v * v)
            let slope: S = (1 + th) / 2 + v / 2 * (1 - th * th) * du
            dx[i] += dy[i] * slope
        }
    }
}
