/// A tensor's element type in a GGUF file (ggml's `ggml_type`), with its block layout: `blockSize` values
/// stored in `blockBytes` bytes, little-endian. The ones this reader dequantises are the ones the files it
/// reads use (SmolLM2-135M-Instruct's Q4_1 GGUF: F32, Q8_0, Q4_1), and their nearest kin (F16, BF16, Q4_0).
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q8_0 = 8
    case bf16 = 30

    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q8_0: "Q8_0"
        case .bf16: "BF16"
        }
    }

    /// Values in a block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q8_0: 32
        }
    }

    /// Bytes a block takes.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 2 + 16      // f16 d; 32 four-bit codes
        case .q4_1: 2 + 2 + 16  // f16 d, f16 m; 32 four-bit codes
        case .q8_0: 2 + 32      // f16 d; 32 int8 codes
        }
    }

    /// Decodes `count` values (a whole number of blocks) from `bytes` into `out`.
    ///
    /// - F32, F16, BF16: one value each (BF16 is the top half of an F32).
    /// - Q8_0: per block of 32, a scale d (F16) then 32 signed bytes q: x = d q.
    /// - Q4_0: per block of 32, d (F16) then 16 bytes; byte j holds value j in its low nibble and value j + 16
    ///   in its high nibble, each an unsigned q in 0...15: x = d (q - 8).
    /// - Q4_1: per block of 32, d and a minimum m (F16 each) then 16 bytes as Q4_0's: x = d q + m.
    func dequantize(_ bytes: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutableBufferPointer<Float>) {
        func half(_ offset: Int) -> Float { Float(Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian)) }
        switch self {
        case .f32:
            for i in 0..<count { out[i] = Float(bitPattern: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
        case .f16:
            for i in 0..<count { out[i] = half(2 * i) }
        case .bf16:
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16) }
        case .q8_0:
            for block in 0..<count / 32 {
                let base = block * blockBytes, d = half(base)
                for j in 0..<32 { out[32 * block + j] = d * Float(Int8(bitPattern: bytes[base + 2 + j])) }
            }
        case .q4_0:
            for block in 0..<count / 32 {
                let base = block * blockBytes, d = half(base)
                for j in 0..<16 {
                    let byte = bytes[base + 2 + j]
                    out[32 * block + j] = Float(Int(byte & 0x0F) - 8) * d
                    out[32 * block + j + 16] = Float(Int(byte >> 4) - 8) * d
                }
            }
        case .q4_1:
            for block in 0..<count / 32 {
                let base = block * blockBytes, d = half(base), m = half(base + 2)
                for j in 0..<16 {
                    let byte = bytes[base + 4 + j]
                    out[32 * block + j] = Float(byte & 0x0F) * d + m
                    out[32 * block + j + 16] = Float(byte >> 4) * d + m
                }
            }
        }
    }
}
