/// A prompt, a teacher's output or a student's response: the words as written, and their tokens in the
/// world's vocabulary (the simulated world's tokenizer).
///
/// Whatever writes a text keeps its string: an LLM teacher's words outside the world's vocabulary reach an LLM
/// critic as written, and a student with a tokenizer of its own reads the string. The tokens are what the
/// world's own machinery reads (the gold judge, the mock critic, the candidate-set students, the length a
/// critic's bias and the reports measure); a word the vocabulary lacks is `<unk>` there, and only there.
public struct Text: Hashable, Sendable, CustomStringConvertible {
    /// The text as written: what an LLM reads.
    public let string: String
    /// The text in the world's vocabulary (token 0, `<unk>`, for a word it lacks).
    public let tokens: [Int32]

    /// A text and its tokens: use ``Vocabulary/text(_:)`` or ``Vocabulary/encode(_:)``, which make them agree.
    public init(_ string: String, tokens: [Int32]) {
        self.string = string
        self.tokens = tokens
    }

    /// Its length in the world's tokens.
    public var count: Int { tokens.count }
    /// Whether it has no tokens in the world's vocabulary.
    public var isEmpty: Bool { tokens.isEmpty }
    public var description: String { string }

    // Texts are looked up by the million (candidate sets, the critic's taste): the tokens hash, and equal
    // texts have equal tokens.
    public func hash(into hasher: inout Hasher) { hasher.combine(tokens) }

    public static func == (a: Text, b: Text) -> Bool { a.tokens == b.tokens && a.string == b.string }
}

/// Its string and tokens as they are: a text read back is the text written, whatever vocabulary reads it.
extension Text: Codable {}

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

    /// `string` as written, with its tokens (see ``words(in:)``); a word the vocabulary lacks becomes `<unk>`
    /// (token 0), never an error.
    public func encode(_ string: String) -> Text {
        Text(string, tokens: Self.words(in: string).map { ids[$0] ?? 0 })
    }

    /// The text these tokens spell (its string by ``render(_:words:)``).
    public func text(_ tokens: [Int32]) -> Text { Text(Self.render(tokens, words: words), tokens: tokens) }

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

    /// Words joined by spaces, with closing punctuation against the word before it ("dam ." -> "dam."): the
    /// string of a text made from tokens. `encode(text(t).string).tokens == t` for any tokens without `<unk>`.
    public static func render(_ tokens: [Int32], words: [String]) -> String {
        var out = ""
        for token in tokens {
            let word = token >= 0 && Int(token) < words.count ? words[Int(token)] : Self.unknown
            if !out.isEmpty && !Self.closing.contains(word) { out += " " }
            out += word
        }
        return out
    }

    private static let closing: Set<String> = [".", ",", "!", "?", ";", ":", ")", "]"]
}
