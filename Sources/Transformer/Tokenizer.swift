import HumorGym

/// Word-level tokens for the transformer: the world's vocabulary (token i is the world's word i, 0 is
/// `<unk>`), then three specials. A token outside the vocabulary becomes `<unk>`, never a crash.
public struct Tokenizer: Sendable, Equatable, Codable {
    public let words: [String]

    public init(vocabulary: Vocabulary) { words = vocabulary.words }

    public init(words: [String]) { self.words = words }

    /// Separates the prompt from the response.
    public var separator: Int32 { Int32(words.count) }
    /// Ends a response.
    public var endOfText: Int32 { Int32(words.count + 1) }
    /// Fills a batch's shorter sequences; never predicted.
    public var padding: Int32 { Int32(words.count + 2) }
    public var count: Int { words.count + 3 }

    /// A world token as a model token (`<unk>` for anything out of range).
    public func token(_ t: Int32) -> Int32 { t >= 0 && Int(t) < words.count ? t : 0 }

    /// prompt <sep> response <eos>, and the index of the first response position.
    public func sequence(prompt: Text, response: Text) -> (tokens: [Int32], responseStart: Int) {
        (prompt.tokens.map(token) + [separator] + response.tokens.map(token) + [endOfText], prompt.count + 1)
    }

    /// The text of generated tokens: the world's words, rendered as the world renders them (the specials
    /// never reach a response).
    public func text(_ tokens: [Int32]) -> Text { Text(Vocabulary.render(tokens, words: words), tokens: tokens) }

    public func render(_ tokens: [Int32]) -> String {
        let specials = ["<sep>", "<eos>", "<pad>"]
        return tokens.map { t in
            let i = Int(t)
            if (0..<words.count).contains(i) { return words[i] }
            return (0..<specials.count).contains(i - words.count) ? specials[i - words.count] : Vocabulary.unknown
        }.joined(separator: " ")
    }
}
