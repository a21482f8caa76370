/// A token sequence over a ``Vocabulary``: a prompt, a teacher's output or a student's response.
///
/// Everything that judges or learns works on tokens; words appear only at the edges (YAML, reports, CLI).
public struct Text: Hashable, Sendable, Codable, CustomStringConvertible {
    public var tokens: [Int32]

    public init(_ tokens: [Int32]) { self.tokens = tokens }

    public var count: Int { tokens.count }
    public var isEmpty: Bool { tokens.isEmpty }
    public var description: String { tokens.map(String.init).joined(separator: " ") }
}

/// The word types of a world, in a fixed order: token `i` is `words[i]`. Token 0 is `<unk>`.
public final class Vocabulary: Sendable {
    public static let unknown = "<unk>"
    public let words: [String]
    private let ids: [String: Int32]

    /// Builds a vocabulary from words in first-seen order; duplicates are kept once, `<unk>` comes first.
    public init(_ words: some Sequence<String>) {
        var ordered = [Self.unknown]
        var ids = [Self.unknown: Int32(0)]
        for word in words where ids[word] == nil {
            ids[word] = Int32(ordered.count)
            ordered.append(word)
        }
        self.words = ordered
        self.ids = ids
    }

    public var count: Int { words.count }

    /// The token of `word`, or nil when the vocabulary lacks it.
    public func id(_ word: String) -> Int32? { ids[word] }

    /// Splits on spaces; a word the vocabulary lacks becomes `<unk>` (token 0), never an error.
    public func encode(_ string: String) -> Text {
        Text(string.split(separator: " ", omittingEmptySubsequences: true).map { ids[String($0)] ?? 0 })
    }

    public func render(_ text: Text) -> String {
        text.tokens.map { $0 >= 0 && Int($0) < words.count ? words[Int($0)] : Self.unknown }.joined(separator: " ")
    }
}
