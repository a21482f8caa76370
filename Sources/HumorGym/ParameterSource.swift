import Foundation

/// Where a component reads its settings: a YAML section in the CLI, a dictionary in tests, a checkpoint's
/// metadata. Every component reads itself (`init(from:)`), naming each key's default and valid range once,
/// beside the value it governs; the source reports a bad value with the file and key it came from, and
/// rejects keys nobody read (see ``finish()``).
public protocol ParameterSource {
    func double(_ key: String, default: Double, range: ClosedRange<Double>) throws -> Double
    func int(_ key: String, default: Int, range: ClosedRange<Int>) throws -> Int
    func bool(_ key: String, default: Bool) throws -> Bool
    /// One of `allowed` (any string when `allowed` is empty).
    func string(_ key: String, default: String, allowed: [String]) throws -> String
    /// A list of single values; a lone value is a list of one.
    func strings(_ key: String, default: [String]) throws -> [String]
    /// A file's path. A relative path written in a file is relative to that file; the default is returned as is.
    func path(_ key: String, default: String) throws -> String
    /// The nested settings under `key` (empty when the key is absent).
    func section(_ key: String) throws -> any ParameterSource
    /// An error about `key`, where it stands: for rules that span several keys.
    func problem(_ key: String, _ text: String) -> HumorGymError
    /// Throws when the source holds a key that no read asked for (a typo, or a knob that does not exist).
    func finish() throws
}

extension ParameterSource {
    /// A whole number that must fit in UInt64 (seeds).
    public func seed(_ key: String, default value: UInt64) throws -> UInt64 {
        UInt64(try int(key, default: Int(value), range: 0...Int.max))
    }

    /// A case of a string-backed enumeration.
    public func choice<E: RawRepresentable & CaseIterable>(_ key: String, default value: E) throws -> E where E.RawValue == String {
        E(rawValue: try string(key, default: value.rawValue, allowed: E.allCases.map(\.rawValue)))!  // `allowed` checked it
    }
}

/// How every source reads a setting from its text, so that a bad value gets the same message whether it came
/// from a file, a dictionary or a checkpoint. Each reader returns the value or the problem; the source adds
/// where the value stands.
public enum SettingText {
    public static func double(_ text: String, range: ClosedRange<Double>) -> Result<Double, HumorGymError> {
        let lowered = text.lowercased()
        let parsed: Double? = [".nan", "nan"].contains(lowered) ? .nan
            : [".inf", "+.inf", "inf"].contains(lowered) ? .infinity
            : ["-.inf", "-inf"].contains(lowered) ? -.infinity : Double(text)
        guard let v = parsed else { return .failure(HumorGymError("expected a number, got '\(text)'")) }
        guard v.isFinite else { return .failure(HumorGymError("must be a finite number, got '\(text)'")) }
        guard range.contains(v) else { return .failure(HumorGymError("must be in \(range.lowerBound)...\(range.upperBound), got \(text)")) }
        return .success(v)
    }

    public static func int(_ text: String, range: ClosedRange<Int>) -> Result<Int, HumorGymError> {
        guard let v = Int(text) else { return .failure(HumorGymError("expected a whole number, got '\(text)'")) }
        guard range.contains(v) else { return .failure(HumorGymError("must be in \(range.lowerBound)...\(range.upperBound), got \(v)")) }
        return .success(v)
    }

    public static func bool(_ text: String) -> Result<Bool, HumorGymError> {
        switch text.lowercased() {
        case "true", "yes", "on": .success(true)
        case "false", "no", "off": .success(false)
        default: .failure(HumorGymError("expected true or false, got '\(text)'"))
        }
    }

    /// One of `allowed` (any string when `allowed` is empty).
    public static func string(_ text: String, allowed: [String]) -> Result<String, HumorGymError> {
        allowed.isEmpty || allowed.contains(text) ? .success(text)
            : .failure(HumorGymError("'\(text)' is not one of \(allowed.joined(separator: ", "))"))
    }
}

/// A source that holds each setting as text (a YAML file, a dictionary, a checkpoint's metadata): it finds a
/// key's text and says where a problem with it stands; reading and checking the value is the same for all.
public protocol TextParameterSource: ParameterSource {
    /// The text of `key` and how to report a problem with it (nil when the source does not hold the key).
    func setting(_ key: String) throws -> (text: String, problem: (String) -> HumorGymError)?
}

extension TextParameterSource {
    private func read<T>(_ key: String, _ value: T, _ read: (String) -> Result<T, HumorGymError>) throws -> T {
        guard let (text, problem) = try setting(key) else { return value }
        return try read(text).mapError { problem($0.message) }.get()
    }

    public func double(_ key: String, default value: Double, range: ClosedRange<Double>) throws -> Double {
        try read(key, value) { SettingText.double($0, range: range) }
    }

    public func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        try read(key, value) { SettingText.int($0, range: range) }
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool { try read(key, value, SettingText.bool) }

    public func string(_ key: String, default value: String, allowed: [String]) throws -> String {
        try read(key, value) { SettingText.string($0, allowed: allowed) }
    }
}

/// A source with no keys: every read returns its default.
public struct DefaultParameters: ParameterSource {
    public init() {}
    public func double(_ key: String, default value: Double, range: ClosedRange<Double>) throws -> Double { value }
    public func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int { value }
    public func bool(_ key: String, default value: Bool) throws -> Bool { value }
    public func string(_ key: String, default value: String, allowed: [String]) throws -> String { value }
    public func strings(_ key: String, default value: [String]) throws -> [String] { value }
    public func path(_ key: String, default value: String) throws -> String { value }
    public func section(_ key: String) throws -> any ParameterSource { self }
    public func problem(_ key: String, _ text: String) -> HumorGymError { HumorGymError("\(key): \(text)") }
    public func finish() throws {}
}

/// Settings given as text values by key, for code and tests (`["trainPrompts": 30, "mode": "bradley-terry"]`)
/// and for checkpoints' metadata: read with the same ranges as a YAML file. Nested settings are keyed with
/// dots ("cache.path").
public struct ParameterDictionary: TextParameterSource, ExpressibleByDictionaryLiteral, Sendable {
    /// A value as written: numbers, booleans and strings alike, parsed when read.
    public struct Value: Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
        ExpressibleByBooleanLiteral, CustomStringConvertible {
        public let description: String
        public init(_ text: String) { description = text }
        public init(integerLiteral value: Int) { description = String(value) }
        public init(floatLiteral value: Double) { description = "\(value)" }
        public init(stringLiteral value: String) { description = value }
        public init(booleanLiteral value: Bool) { description = String(value) }
    }

    /// Names the source in errors ("model.safetensors: sampling").
    public let name: String
    private let values: [String: String]
    private let prefix: String
    private let asked: Asked

    public init(_ values: [String: Value], name: String = "parameters") {
        self.init(values: values.mapValues(\.description), name: name, prefix: "", asked: Asked())
    }

    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// The members of a JSON object of numbers, booleans and strings (a checkpoint's metadata).
    public init(json: String, name: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw HumorGymError("\(name): not a JSON object")
        }
        var values: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let text as String: values[key] = text
            case let number as NSNumber: values[key] = number.stringValue
            default: throw HumorGymError("\(name): \(key): expected a number, a boolean or a string")
            }
        }
        self.init(values: values, name: name, prefix: "", asked: Asked())
    }

    private init(values: [String: String], name: String, prefix: String, asked: Asked) {
        self.values = values
        self.name = name
        self.prefix = prefix
        self.asked = asked
    }

    /// Which keys were read, shared by the sections of one dictionary.
    private final class Asked: @unchecked Sendable {
        private let lock = NSLock()
        private var keys: Set<String> = []
        func insert(_ key: String) { lock.withLock { _ = keys.insert(key) } }
        func contains(_ key: String) -> Bool { lock.withLock { keys.contains(key) } }
    }

    /// The values as a JSON object of strings, keys sorted: the same settings, the same bytes.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(values), as: UTF8.self)  // [String: String] always encodes
    }

    private func text(_ key: String) -> String? {
        asked.insert(prefix + key)
        return values[prefix + key]
    }

    public func problem(_ key: String, _ text: String) -> HumorGymError { HumorGymError("\(name): \(prefix)\(key): \(text)") }

    public func setting(_ key: String) throws -> (text: String, problem: (String) -> HumorGymError)? {
        text(key).map { ($0, { problem(key, $0) }) }
    }

    /// Comma-separated.
    public func strings(_ key: String, default value: [String]) throws -> [String] {
        text(key).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? value
    }

    public func path(_ key: String, default value: String) throws -> String { text(key) ?? value }

    public func section(_ key: String) throws -> any ParameterSource {
        ParameterDictionary(values: values, name: name, prefix: prefix + key + ".", asked: asked)
    }

    public func finish() throws {
        for key in values.keys.sorted() where key.hasPrefix(prefix) && !asked.contains(key) {
            throw problem(String(key.dropFirst(prefix.count)), "unknown key")
        }
    }
}

/// Wraps a source and records the value every read settled on, defaults included: the fully resolved
/// settings of a component, for reports and for comparing two specs. Nested sections record as "key.sub".
public final class RecordingParameterSource: ParameterSource {
    private let base: any ParameterSource
    private let prefix: String
    private let record: Record
    /// Every key read so far, with the value it settled on.
    public var resolved: [String: String] { record.values }

    public convenience init(_ base: any ParameterSource) { self.init(base, prefix: "", record: Record()) }

    private init(_ base: any ParameterSource, prefix: String, record: Record) {
        self.base = base
        self.prefix = prefix
        self.record = record
    }

    private final class Record {
        var values: [String: String] = [:]
    }

    private func note<T>(_ key: String, _ value: T) -> T {
        record.values[prefix + key] = "\(value)"
        return value
    }

    public func double(_ key: String, default value: Double, range: ClosedRange<Double>) throws -> Double {
        note(key, try base.double(key, default: value, range: range))
    }

    public func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        note(key, try base.int(key, default: value, range: range))
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool { note(key, try base.bool(key, default: value)) }

    public func string(_ key: String, default value: String, allowed: [String]) throws -> String {
        note(key, try base.string(key, default: value, allowed: allowed))
    }

    public func strings(_ key: String, default value: [String]) throws -> [String] {
        let v = try base.strings(key, default: value)
        record.values[prefix + key] = v.joined(separator: ",")
        return v
    }

    public func path(_ key: String, default value: String) throws -> String { note(key, try base.path(key, default: value)) }

    public func section(_ key: String) throws -> any ParameterSource {
        RecordingParameterSource(try base.section(key), prefix: prefix + key + ".", record: record)
    }

    public func problem(_ key: String, _ text: String) -> HumorGymError { base.problem(key, text) }

    public func finish() throws { try base.finish() }
}
