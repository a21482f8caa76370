import Foundation

/// A GGUF file (llama.cpp's model format, versions 2 and 3), read as ggml's `gguf.cpp` writes it: the header
/// (`GGUF`, version, tensor count, metadata count), the metadata (key, type, value), the tensor table (name,
/// dimensions with the fastest first, type, offset from the start of the data), then the data, which starts
/// at the first multiple of `general.alignment` (default 32) after the table, each tensor at a multiple of it.
///
/// Every count and length is checked against the bytes that are left before anything is allocated, so a
/// truncated or hostile file is an error naming the file and what is wrong, never a crash or a huge allocation.
public struct GGUFFile: Sendable {
    public let path: String
    public let version: UInt32
    /// The metadata in the file's order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// The tensor table in the file's order.
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Where the data starts in the file.
    public let dataOffset: Int
    private let bytes: Data

    /// Opens `path`, mapped rather than read where the system allows.
    public init(contentsOf path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw GGUFError(path, "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws {
        self.path = path
        bytes = data
        var reader = Reader(data: data, path: path)
        guard try reader.bytes(4) == Array("GGUF".utf8) else { throw GGUFError(path, "not a GGUF file (no GGUF magic at its start)") }
        version = try reader.u32()
        guard version == 2 || version == 3 else { throw GGUFError(path, "GGUF version \(version); this reader reads versions 2 and 3") }
        let tensorCount = try reader.count(reader.u64(), each: 8 + 4 + 8 + 4 + 8, what: "tensors")
        let metadataCount = try reader.count(reader.u64(), each: 8 + 4 + 1, what: "metadata entries")
        var metadata: [(key: String, value: GGUFValue)] = []
        for _ in 0..<metadataCount {
            let key = try reader.string()
            guard !metadata.contains(where: { $0.key == key }) else { throw GGUFError(path, "metadata key '\(key)' appears twice") }
            metadata.append((key, try reader.value(type: reader.u32(), key: key, depth: 0)))
        }
        self.metadata = metadata
        let alignment = metadata.first { $0.key == "general.alignment" }.map(\.value)
        switch alignment {
        case nil: self.alignment = 32
        case .uint32(let a)? where a > 0 && a & (a - 1) == 0: self.alignment = Int(a)
        default: throw GGUFError(path, "general.alignment must be a power of two held as uint32, got \(alignment!)")
        }
        var infos: [(name: String, dimensions: [Int], type: UInt32, offset: UInt64)] = []
        for _ in 0..<tensorCount {
            let name = try reader.string()
            let rank = try reader.u32()
            guard (1...4).contains(rank) else { throw GGUFError(path, "tensor '\(name)' has \(rank) dimensions; ggml allows 1 to 4") }
            let dimensions = try (0..<rank).map { _ in try reader.u64() }
            guard dimensions.allSatisfy({ $0 >= 1 && $0 <= UInt64(Int32.max) }) else {
                throw GGUFError(path, "tensor '\(name)' has dimensions \(dimensions): each must be in 1...\(Int32.max)")
            }
            infos.append((name, dimensions.map { Int($0) }, try reader.u32(), try reader.u64()))
        }
        dataOffset = (reader.offset + self.alignment - 1) / self.alignment * self.alignment
        var tensors: [GGUFTensorInfo] = []
        for info in infos {
            guard !tensors.contains(where: { $0.name == info.name }) else { throw GGUFError(path, "tensor '\(info.name)' appears twice") }
            guard let type = GGMLType(rawValue: info.type) else {
                throw GGUFError(path, "tensor '\(info.name)' has ggml type \(info.type), which this reader does not dequantise (it reads \(GGMLType.allCases.map(\.description).joined(separator: ", ")))")
            }
            let (count, overflow) = info.dimensions.reduce((1, false)) { total, d in
                let (product, o) = total.0.multipliedReportingOverflow(by: d)
                return (product, total.1 || o)
            }
            guard info.dimensions[0] % type.blockSize == 0 else {
                throw GGUFError(path, "tensor '\(info.name)': its rows of \(info.dimensions[0]) values are not whole blocks of \(type.blockSize) (\(type))")
            }
            let (byteCount, tooBig) = (count / type.blockSize).multipliedReportingOverflow(by: type.blockBytes)
            guard !overflow, !tooBig else { throw GGUFError(path, "tensor '\(info.name)' has more elements than memory could hold (\(info.dimensions))") }
            guard info.offset % UInt64(self.alignment) == 0 else {
                throw GGUFError(path, "tensor '\(info.name)' starts at offset \(info.offset), not a multiple of the alignment \(self.alignment)")
            }
            guard info.offset <= UInt64(data.count), UInt64(dataOffset) + info.offset + UInt64(byteCount) <= UInt64(data.count) else {
                throw GGUFError(path, "tensor '\(info.name)' (\(byteCount) bytes at data offset \(info.offset)) runs past the end of the file (\(data.count) bytes): truncated?")
            }
            tensors.append(GGUFTensorInfo(name: info.name, dimensions: info.dimensions, type: type, offset: dataOffset + Int(info.offset), byteCount: byteCount))
        }
        self.tensors = tensors
    }

    /// The value of metadata `key`, if present.
    public subscript(key: String) -> GGUFValue? { metadata.first { $0.key == key }?.value }

    /// The tensor called `name`, if present.
    public func tensor(_ name: String) -> GGUFTensorInfo? { tensors.first { $0.name == name } }

    /// Tensor `name`'s values as Float, in the file's order (the first dimension fastest).
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = tensor(name) else { throw GGUFError(path, "no tensor '\(name)'") }
        return floats(tensor)
    }

    /// `tensor`'s values as Float, in the file's order (the first dimension fastest).
    public func floats(_ tensor: GGUFTensorInfo) -> [Float] {
        [Float](unsafeUninitializedCapacity: tensor.count) { out, initialized in
            bytes.withUnsafeBytes { all in
                tensor.type.dequantize(UnsafeRawBufferPointer(rebasing: all[tensor.offset..<tensor.offset + tensor.byteCount]), count: tensor.count, into: out)
            }
            initialized = tensor.count
        }
    }
}

/// A tensor of a GGUF file: its shape (the first dimension fastest, as ggml's `ne`), type and bytes.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let dimensions: [Int]
    public let type: GGMLType
    /// Where its bytes start in the file.
    public let offset: Int
    public let byteCount: Int

    public var count: Int { dimensions.reduce(1, *) }
}

/// What is wrong with a GGUF file, and which.
public struct GGUFError: Error, Equatable, CustomStringConvertible {
    public let message: String
    /// `problem` in `path` (a file, or the part that has it).
    public init(_ path: String, _ problem: String) { message = "\(path): \(problem)" }
    public var description: String { message }
}

/// Reads little-endian values from the file's bytes, each checked against what is left.
private struct Reader {
    let data: Data
    let path: String
    var offset = 0

    init(data: Data, path: String) {
        self.data = data
        self.path = path
    }

    var remaining: Int { data.count - offset }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= remaining else { throw GGUFError(path, "truncated: needs \(n) bytes at offset \(offset), has \(remaining)") }
        defer { offset += n }
        return [UInt8](data[data.startIndex + offset ..< data.startIndex + offset + n])
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size)
        return raw.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }

    mutating func u32() throws -> UInt32 { try load(UInt32.self) }
    mutating func u64() throws -> UInt64 { try load(UInt64.self) }

    /// `n` items of at least `each` bytes each, if that many bytes are left.
    func count(_ n: UInt64, each: Int, what: String) throws -> Int {
        guard n <= UInt64(remaining / each) else { throw GGUFError(path, "claims \(n) \(what), more than the \(remaining) bytes left could hold") }
        return Int(n)
    }

    mutating func string() throws -> String {
        let length = try count(u64(), each: 1, what: "bytes of a string")
        guard let text = String(bytes: try bytes(length), encoding: .utf8) else { throw GGUFError(path, "a string at offset \(offset - length) is not UTF-8") }
        return text
    }

    /// A metadata value of GGUF type `type`; arrays nest at most once, as llama.cpp writes them.
    mutating func value(type: UInt32, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try load(UInt8.self))
        case 1: return .int8(try load(Int8.self))
        case 2: return .uint16(try load(UInt16.self))
        case 3: return .int16(try load(Int16.self))
        case 4: return .uint32(try u32())
        case 5: return .int32(try load(Int32.self))
        case 6: return .float32(Float(bitPattern: try u32()))
        case 7:
            let byte = try load(UInt8.self)
            guard byte <= 1 else { throw GGUFError(path, "'\(key)': a bool must be 0 or 1, got \(byte)") }
            return .bool(byte == 1)
        case 8: return .string(try string())
        case 9:
            guard depth == 0 else { throw GGUFError(path, "'\(key)': arrays of arrays of arrays are not GGUF") }
            let element = try u32()
            let n = try count(u64(), each: element == 8 ? 8 : element == 9 ? 12 : 1, what: "array elements in '\(key)'")
            return .array(try (0..<n).map { _ in try value(type: element, key: key, depth: depth + 1) })
        case 10: return .uint64(try u64())
        case 11: return .int64(try load(Int64.self))
        case 12: return .float64(Double(bitPattern: try u64()))
        default: throw GGUFError(path, "'\(key)' has value type \(type), which is not a GGUF type")
        }
    }
}
