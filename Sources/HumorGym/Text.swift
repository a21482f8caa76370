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

    /// The tokens of `string` (see ``words(in:)``); a word the vocabulary lacks becomes `<unk>` (token 0),
    /// never an error.
    public func encode(_ string: String) -> Text {
        Text(Self.words(in: string).map { ids[$0] ?? 0 })
    }

    /// How text becomes words, for every world and every LLM answer alike: lower case, and each
    /// punctuation mark a word of its own ("Dam." -> "dam", "."), so that a vocabulary built from a corpus
    /// covers an LLM's differently capitalised and punctuated answers. Apostrophes stay inside words.
    public static func words(in string: String) -> [String] {
        var words: [String] = [], word = ""
        for character in string.lowercased() {
            if character.isLetter || character.isNumber || character == "'" || character == "\u{2019}" {
                word.append(character == "\u{2019}" ? "'" : character)
                continue
            }
            if !word.isEmpty { words.append(word); word = "" }
            if !character.isWhitespace { words.append(String(character)) }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// Words joined by spaces, with closing punctuation against the word before it ("dam ." -> "dam."):
    /// what an LLM judge reads. `encode(render(t)) == t` for any text without `<unk>`.
    public func render(_ text: Text) -> String {
        var out = ""
        for token in text.tokens {
            let word = token >= 0 && Int(token) < words.count ? words[Int(token)] : Self.unknown
            if !out.isEmpty && !Self.closing.contains(word) { out += " " }
            out += word
        }
        return out
    }

    private static let closing: Set<String> = [".", ",", "!", "?", ";", ":", ")", "]"]
}
