import Foundation

/// exp over arrays, the transformer's hottest non-gemm operation (softmax, GELU's tanh).
///
/// Float: Cephes' expf, written so that the compiler vectorises the loop (libm's expf is a call per
/// element). exp(x) = 2^n exp(r), n = round(x / ln 2) by the 1.5 * 2^23 shift, r = x - n ln 2 in two parts
/// (Cody and Waite), exp(r) by a degree-7 polynomial, 2^n placed straight into the exponent bits. Within
/// 2 ulp of the true value on [-87, 88]; inputs are clamped to that range, so the result is never infinite,
/// and below it is about 1.6e-38 instead of smaller, which no softmax or tanh here can tell from 0.
/// Double keeps libm's exp: it is the precision of the gradient and reference checks.
enum VectorExp {
    static func float(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let log2e: Float = 1.442_695_040_888_963_4, shift: Float = 12_582_912  // 1.5 * 2^23
        let ln2High: Float = 0.693_359_375, ln2Low: Float = -2.121_944_4e-4
        for i in 0..<count {
            let v = Swift.min(Swift.max(x[i], -87), 88)
            let shifted = v * log2e + shift
            let n = shifted - shift
            // n as an integer is the low bits of `shifted` (wrapping integer arithmetic keeps the loop vectorised).
            let exponent = (shifted.bitPattern &- shift.bitPattern &+ 127) << 23
            let r = v - n * ln2High - n * ln2Low
            var p: Float = 1.987_569_150_0e-4
            p = p * r + 1.398_199_950_7e-3
            p = p * r + 8.333_451_907_3e-3
            p = p * r + 4.166_579_589_4e-2
            p = p * r + 1.666_666_545_9e-1
            p = p * r + 5.000_000_120_1e-1
            p = p * r * r + r + 1
            x[i] = p * Float(bitPattern: exponent)
        }
    }
}

extension Float {
    public static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int) { VectorExp.float(x, count: count) }
}

extension Double {
    public static func exponentiate(_ x: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { x[i] = Foundation.exp(x[i]) }
    }
}
