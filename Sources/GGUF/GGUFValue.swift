/// A GGUF metadata value, as its type in the file says.
public enum GGUFValue: Sendable, Equatable, CustomStringConvertible {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// An integer of any width, if it is one.
    public var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// A number of any type, if it is one.
    public var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var array: [GGUFValue]? { if case .array(let a) = self { a } else { nil } }

    public var description: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .array(let a): "[\(a.prefix(8).map(\.description).joined(separator: ", "))\(a.count > 8 ? ", ... (\(a.count))" : "")]"
        case .bool(let b): String(b)
        case .float32(let v): "\(v)"
        case .float64(let v): "\(v)"
        default: int.map(String.init) ?? "?"
        }
    }
}
