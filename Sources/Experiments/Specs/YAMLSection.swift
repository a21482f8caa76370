import Foundation
import HumorGym
import Yams

/// A YAML mapping read as a ``ParameterSource``: every error names the file, the line, the key path and
/// the problem, and ``finish()`` rejects keys that no read asked for.
public final class YAMLSection: TextParameterSource {
    public let file: String
    /// The dotted path of this mapping from the document root ("" for the root).
    public let path: String
    private let entries: [(key: String, value: Node, line: Int)]
    private let line: Int
    private var asked: [String] = []

    /// Parses a whole document; an empty document is an empty mapping.
    public convenience init(yaml: String, file: String) throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw HumorGymError("\(file)\(error.where): not valid YAML: \(error.problem)")
        } catch {
            throw HumorGymError("\(file): not valid YAML: \(error)")
        }
        try self.init(node: root ?? Node.mapping(Node.Mapping([])), file: file, path: "")
    }

    init(node: Node, file: String, path: String) throws {
        self.file = file
        self.path = path
        self.line = (node.mark?.line ?? 0)
        guard case .mapping(let mapping) = node else {
            throw HumorGymError("\(file):\(line): \(path.isEmpty ? "the document" : path) must be a mapping of keys to values")
        }
        var entries: [(String, Node, Int)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw HumorGymError("\(file):\(key.mark?.line ?? line): \(path): keys must be plain strings")
            }
            entries.append((scalar.string, value, key.mark?.line ?? line))
        }
        self.entries = entries
    }

    private func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func lookup(_ key: String) -> (value: Node, line: Int)? {
        asked.append(key)
        return entries.first { $0.key == key }.map { ($0.value, $0.line) }
    }

    private func fail(_ key: String, _ line: Int, _ problem: String) -> HumorGymError {
        HumorGymError("\(place(key, line)): \(problem)")
    }

    /// `file:line: path.key`; line 0 is a section the file does not have.
    private func place(_ key: String, _ line: Int) -> String { "\(file):\(line == 0 ? "" : "\(line):") \(qualified(key))" }

    private func scalar(_ key: String) throws -> (text: String, line: Int)? {
        guard let (node, line) = lookup(key) else { return nil }
        guard case .scalar(let s) = node else { throw fail(key, line, "expected a single value, found a \(node.kindName)") }
        return (s.string, line)
    }

    public func section(_ key: String) throws -> any ParameterSource { try subsection(key) }

    /// The nested mapping under `key`; an absent key is an empty mapping.
    public func subsection(_ key: String) throws -> YAMLSection {
        guard let (node, line) = lookup(key), !node.isNull else {
            return try YAMLSection(node: .mapping(Node.Mapping([])), file: file, path: qualified(key))
        }
        guard case .mapping = node else { throw fail(key, line, "expected a mapping of keys to values, found a \(node.kindName)") }
        return try YAMLSection(node: node, file: file, path: qualified(key))
    }

    /// The mapping's keys, in the file's order.
    public var keys: [String] { entries.map(\.key) }

    /// Whether `key` holds a mapping (rather than a single value or nothing).
    public func holdsMapping(_ key: String) -> Bool {
        if case .mapping = entries.first(where: { $0.key == key })?.value { true } else { false }
    }

    public func setting(_ key: String) throws -> (text: String, problem: (String) -> HumorGymError)? {
        try scalar(key).map { text, line in (text, { self.fail(key, line, $0) }) }
    }

    /// Relative to the file's folder; the default as it is.
    public func path(_ key: String, default value: String) throws -> String {
        let text = try string(key, default: "", allowed: [])
        guard !text.isEmpty else { return value }
        return text.hasPrefix("/") ? text : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(text).path
    }

    public func strings(_ key: String, default value: [String]) throws -> [String] {
        guard let (node, line) = lookup(key) else { return value }
        switch node {
        case .scalar(let s): return [s.string]
        case .sequence(let items):
            return try items.map { item in
                guard case .scalar(let s) = item else { throw fail(key, line, "expected a list of single values, found a \(item.kindName) in it") }
                return s.string
            }
        default: throw fail(key, line, "expected a list, found a \(node.kindName)")
        }
    }

    /// An error about `key` at its line (the mapping's own line when the key is absent): for checks that
    /// look at several keys at once.
    public func problem(_ key: String, _ text: String) -> HumorGymError {
        fail(key, entries.first { $0.key == key }?.line ?? line, text)
    }

    /// Where `key` is written, as errors begin: `file:line: path.key` (the mapping's line when the key is absent).
    public func location(_ key: String) -> String { place(key, entries.first { $0.key == key }?.line ?? line) }

    public func finish() throws {
        for entry in entries where !asked.contains(entry.key) {
            let known = Array(Set(asked)).sorted().joined(separator: ", ")
            throw fail(entry.key, entry.line, "unknown key\(known.isEmpty ? "" : "; expected one of: \(known)")")
        }
    }
}

extension YamlError {
    /// `:line:column` where the parser stopped, when it says.
    fileprivate var `where`: String {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): ":\(mark.line):\(mark.column)"
        case .duplicatedKeysInMapping(_, let context): ":\(context.mark.line):\(context.mark.column)"
        default: ""
        }
    }

    /// What went wrong, on one line (Yams' own description quotes the source over several).
    fileprivate var problem: String {
        switch self {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            context.map { "\($0.text) (line \($0.mark.line)): \(problem)" } ?? problem
        case .duplicatedKeysInMapping(let duplicates, _): "duplicated key(s) \(duplicates.sorted().joined(separator: ", "))"
        default: description.split(separator: "\n").joined(separator: " ")
        }
    }
}

extension Node {
    /// `key:` with nothing after it (say, every sub-key commented out).
    var isNull: Bool {
        if case .scalar(let s) = self { return s.string.isEmpty || (s.style == .plain && ["~", "null", "Null", "NULL"].contains(s.string)) }
        return false
    }

    var kindName: String {
        switch self {
        case .scalar: "single value"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }
}
