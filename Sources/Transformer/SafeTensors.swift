import Foundation
import HumorGym

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the little-endian data. Written atomically (a temporary file
/// in the same directory, then a rename), so a reader never sees half a checkpoint.
public enum SafeTensors {
    /// A tensor's values, held as Double whatever its stored precision (widening F32 is exact).
    public struct Tensor: Equatable, Sendable {
        public enum DType: String, Sendable {
            case f32 = "F32", f64 = "F64"
            var size: Int { self == .f32 ? 4 : 8 }
        }
        public var shape: [Int]
        public var dtype: DType
        public var values: [Double]

        public init(shape: [Int], values: [Double], dtype: DType = .f64) {
            precondition(shape.reduce(1, *) == values.count, "tensor shape \(shape) does not hold \(values.count) values")
            self.shape = shape
            self.dtype = dtype
            self.values = values
        }

        public init(shape: [Int], values: [Float]) { self.init(shape: shape, values: values.map(Double.init), dtype: .f32) }
    }

    /// The file's bytes: tensors in the given order, header keys sorted (JSONEncoder's .sortedKeys), so the
    /// same tensors always give the same bytes.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) throws -> Data {
        struct Entry: Encodable {
            let dtype: String
            let shape: [Int]
            let data_offsets: [Int]
        }
        struct Header: Encodable {
            let metadata: [String: String]
            let entries: [String: Entry]
            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(metadata, forKey: Key(stringValue: "__metadata__"))
                for (name, entry) in entries { try c.encode(entry, forKey: Key(stringValue: name)) }
            }
        }
        var entries: [String: Entry] = [:]
        var offset = 0
        for (name, tensor) in tensors {
            guard entries[name] == nil else { throw HumorGymError("safetensors: tensor '\(name)' appears twice") }
            let size = tensor.dtype.size * tensor.values.count
            entries[name] = Entry(dtype: tensor.dtype.rawValue, shape: tensor.shape, data_offsets: [offset, offset + size])
            offset += size
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var header = try encoder.encode(Header(metadata: metadata, entries: entries))
        header.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        var data = Data()
        data.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        for (_, tensor) in tensors {
            switch tensor.dtype {
            case .f32: for v in tensor.values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            case .f64: for v in tensor.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        return data
    }

    /// Reads tensors and metadata; every malformed part is a clear error that names the file.
    public static func decode(_ bytes: Data, file: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ why: String) -> HumorGymError { HumorGymError("\(file): not a valid safetensors file: \(why)") }
        let data = Data(bytes)  // indices from 0, whatever slice was passed
        guard data.count >= 8 else { throw fail("shorter than its 8-byte header length") }
        let rawLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard rawLength >= 2, rawLength <= UInt64(data.count - 8) else { throw fail("header length \(rawLength) does not fit the file") }
        let headerLength = Int(rawLength)
        let header = data.subdata(in: 8..<(8 + headerLength))
        guard let json = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else { throw fail("the header is not a JSON object") }
        let body = data.subdata(in: (8 + headerLength)..<data.count)
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let type = Tensor.DType(rawValue: dtype) else { throw fail("tensor '\(name)' is \(dtype); only F32 and F64 are supported") }
            // Every dimension is at most the data size, so the product is checked step by step for overflow.
            var count = 1, fits = shape.allSatisfy { $0 >= 0 && $0 <= body.count }
            for dimension in shape where fits {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                fits = !overflow && product <= body.count
                count = product
            }
            guard fits, offsets[0] >= 0, offsets[0] <= body.count, offsets[1] == offsets[0] + type.size * count, offsets[1] <= body.count else {
                throw fail("tensor '\(name)': shape \(shape) and byte range \(offsets) do not fit the \(body.count) data bytes")
            }
            let values = body.subdata(in: offsets[0]..<offsets[1]).withUnsafeBytes { raw in
                switch type {
                case .f32: (0..<count).map { Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))) }
                case .f64: (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
                }
            }
            tensors[name] = Tensor(shape: shape, values: values, dtype: type)
        }
        return (tensors, metadata)
    }

    /// Writes `data` to `path` through a temporary file in the same directory and a rename.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: temporary)
        } catch {
            throw HumorGymError("cannot write checkpoint \(path): \(error.localizedDescription)")
        }
        // rename(2) replaces the destination atomically within one file system.
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw HumorGymError("cannot move checkpoint into place at \(path): \(reason)")
        }
    }
}
