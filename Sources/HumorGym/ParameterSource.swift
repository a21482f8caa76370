/// Where a component reads its hyperparameters: a YAML section in the CLI, a dictionary in tests.
///
/// Each read names the key, its default and the valid range, so that a bad value is reported with the
/// file and key it came from. A source rejects keys nobody read (see ``finish()``).
public protocol ParameterSource {
    func double(_ key: String, default: Double, range: ClosedRange<Double>) throws -> Double
    func int(_ key: String, default: Int, range: ClosedRange<Int>) throws -> Int
    func bool(_ key: String, default: Bool) throws -> Bool
    func string(_ key: String, default: String, allowed: [String]) throws -> String
    /// Throws when the source holds a key that no read asked for (a typo, or a knob that does not exist).
    func finish() throws
}

/// A source with no keys: every read returns its default.
public struct DefaultParameters: ParameterSource {
    public init() {}
    public func double(_ key: String, default value: Double, range: ClosedRange<Double>) throws -> Double { value }
    public func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int { value }
    public func bool(_ key: String, default value: Bool) throws -> Bool { value }
    public func string(_ key: String, default value: String, allowed: [String]) throws -> String { value }
    public func finish() throws {}
}

/// Wraps a source and records the value every read settled on, defaults included: the fully resolved
/// hyperparameters of a component, for reports and for comparing two specs.
public final class RecordingParameterSource: ParameterSource {
    private let base: any ParameterSource
    public private(set) var resolved: [String: String] = [:]

    public init(_ base: any ParameterSource) { self.base = base }

    public func double(_ key: String, default value: Double, range: ClosedRange<Double>) throws -> Double {
        let v = try base.double(key, default: value, range: range)
        resolved[key] = "\(v)"
        return v
    }

    public func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        let v = try base.int(key, default: value, range: range)
        resolved[key] = "\(v)"
        return v
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        let v = try base.bool(key, default: value)
        resolved[key] = "\(v)"
        return v
    }

    public func string(_ key: String, default value: String, allowed: [String]) throws -> String {
        let v = try base.string(key, default: value, allowed: allowed)
        resolved[key] = v
        return v
    }

    public func finish() throws { try base.finish() }
}
