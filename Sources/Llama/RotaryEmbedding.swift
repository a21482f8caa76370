import Foundation
import LinearAlgebra

/// Rotary position embeddings (Su et al., 2021) as llama.cpp applies them to a GGUF's query and key rows:
/// pair (2i, 2i + 1) of every head of the row at position p turns by the angle p * base^(-2i / headWidth).
/// A rotation's transpose is the rotation back, so the backward pass turns the gradients by -angle.
struct RotaryEmbedding {
    let half: Int
    /// cos and sin of each row's angles: row-major [rows, headWidth / 2].
    let cosines: [Double], sines: [Double]

    init(positions: [Int], headWidth: Int, base: Double) {
        half = headWidth / 2
        let frequencies = (0..<half).map { Foundation.pow(base, -2 * Double($0) / Double(headWidth)) }
        cosines = positions.flatMap { p in frequencies.map { Foundation.cos(Double(p) * $0) } }
        sines = positions.flatMap { p in frequencies.map { Foundation.sin(Double(p) * $0) } }
    }

    /// Turns every head of every row of x [rows, heads * headWidth]; `inverse` turns back.
    func rotate<S: BLASScalar>(_ x: inout [S], heads: Int, inverse: Bool = false) {
        let rows = cosines.count / half, width = heads * 2 * half
        for r in 0..<rows {
            for i in 0..<half {
                let cs = S(cosines[r * half + i]), sn = inverse ? -S(sines[r * half + i]) : S(sines[r * half + i])
                for head in 0..<heads {
                    let j = r * width + head * 2 * half + 2 * i
                    let a = x[j], b = x[j + 1]
                    x[j] = a * cs - b * sn
                    x[j + 1] = a * sn + b * cs
                }
            }
        }
    }
}
