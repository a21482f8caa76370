import HumorGym
import Stochastics

/// The transformer's tokens, then three specials (`<sep>`, `<eos>`, `<pad>`). A world token outside the
/// vocabulary becomes `<unk>`, never a crash.
///
/// - Word level (the default): model token i is the world's word i, 0 is `<unk>`.
/// - Subword: 0 is the world's `<unk>` word, then the pieces of ``SubwordMerges`` learned from the training
///   words, so that a word training never showed is spelled from pieces it did. A piece that begins a word is
///   marked, so generated pieces split into words unambiguously; each word is looked up in the world's
///   vocabulary, and a non-word is `<unk>` in the text's tokens, which the world's judges read.
public struct Tokenizer: Sendable, Equatable, Codable {
    public enum Mode: Sendable, Equatable {
        case word
        /// `mergeDropout`: BPE-dropout's rate for training passes (``encode(_:noise:)``); 0: off.
        case subword(SubwordMerges, mergeDropout: Double = 0)
    }

    /// The world's vocabulary: what texts are read from and decoded into.
    public let words: [String]
    public let mode: Mode
    /// Model tokens before the specials.
    private let base: Int
    /// Subword only: each world word's model tokens, by world token.
    private let spellings: [[Int32]]
    /// Subword only: the world token of each word.
    private let wordIDs: [String: Int32]

    public init(vocabulary: Vocabulary) { self.init(words: vocabulary.words) }

    public init(words: [String], mode: Mode = .word) {
        self.words = words
        self.mode = mode
        switch mode {
        case .word:
            base = words.count
            spellings = []
            wordIDs = [:]
        case .subword(let merges, _):
            base = 1 + merges.pieces.count
            spellings = words.enumerated().map { i, word in i == 0 || word.isEmpty ? [0] : merges.encode(word).map { Int32($0 + 1) } }
            var ids: [String: Int32] = [:]
            for (i, word) in words.enumerated() where i > 0 && ids[word] == nil { ids[word] = Int32(i) }
            wordIDs = ids
        }
    }

    /// Separates the prompt from the response.
    public var separator: Int32 { Int32(base) }
    /// Ends a response.
    public var endOfText: Int32 { Int32(base + 1) }
    /// Fed to rows that finished while the rest of a batch decodes on; never predicted.
    public var padding: Int32 { Int32(base + 2) }
    public var count: Int { base + 3 }

    /// A text's model tokens, read from its world tokens. Given `noise` (a training pass's key) and a merge
    /// dropout, its words are spelled by BPE-dropout, each word's choices a function of (noise, its place).
    public func encode(_ text: Text, noise: UInt64? = nil) -> [Int32] {
        switch mode {
        case .word: return text.tokens.map(worldToken)
        case .subword(let merges, let rate):
            guard let noise, rate > 0 else { return text.tokens.flatMap { spellings[Int(worldToken($0))] } }
            let coin = Dropout.Coin(rate: rate)
            return text.tokens.enumerated().flatMap { place, t -> [Int32] in
                let w = Int(worldToken(t))
                guard w > 0, !words[w].isEmpty else { return spellings[w] }
                let key = Dropout.key(noise, part: place)
                return merges.encode(words[w]) { coin.drops(key &+ UInt64($0)) }.map { Int32($0 + 1) }
            }
        }
    }

    /// A world token, or `<unk>` for anything out of range.
    private func worldToken(_ t: Int32) -> Int32 { t >= 0 && Int(t) < words.count ? t : 0 }

    /// prompt <sep>: what a response is generated after; `noise` as in ``encode(_:noise:)``.
    public func start(_ prompt: Text, noise: UInt64? = nil) -> [Int32] { encode(prompt, noise: noise) + [separator] }

    /// prompt <sep> response <eos>, and the index of the first response position; `noise` as in ``encode(_:noise:)``.
    public func sequence(prompt: Text, response: Text, noise: UInt64? = nil) -> (tokens: [Int32], responseStart: Int) {
        let start = start(prompt, noise: noise)
        return (start + encode(response, noise: noise.map(SeedSequence.splitMix)) + [endOfText], start.count)
    }

    /// The text of generated tokens (the specials never reach a response): the world's words, rendered as
    /// the world renders them. Subword: a word is a start piece and the inner pieces after it; one the world
    /// lacks, or that holds the unknown piece, `<unk>` or a special, is token 0, its string kept as written
    /// when it reads back as that one word.
    public func text(_ tokens: [Int32]) -> Text {
        guard case .subword(let merges, _) = mode else { return Text(Vocabulary.render(tokens, words: words), tokens: tokens) }
        var ids: [Int32] = [], written: [String] = []
        var word: (text: String, wellFormed: Bool)?
        func flush() {
            guard let w = word else { return }
            let id = w.wellFormed ? wordIDs[w.text] ?? 0 : 0
            ids.append(id)
            written.append(id != 0 ? words[Int(id)] : w.wellFormed && Vocabulary.words(in: w.text) == [w.text] ? w.text : Vocabulary.unknown)
            word = nil
        }
        for t in tokens {
            let i = Int(t) - 1
            guard merges.pieces.indices.contains(i) else {
                flush()
                word = ("", false)
                continue
            }
            let piece = merges.pieces[i]
            if piece.start || word == nil {
                flush()
                word = (piece.text, piece.start && !piece.isUnknown)
            } else {
                word!.text += piece.text
                word!.wellFormed = word!.wellFormed && !piece.isUnknown
            }
        }
        flush()
        return Text(Vocabulary.render(written.indices.map(Int32.init), words: written), tokens: ids)
    }

    /// Model tokens for reading: words, or pieces with `▁` marking a word's start (`<?>` the unknown piece).
    public func render(_ tokens: [Int32]) -> String {
        let specials = ["<sep>", "<eos>", "<pad>"]
        return tokens.map { t in
            let i = Int(t)
            if (0..<base).contains(i) {
                guard case .subword(let merges, _) = mode, i > 0 else { return i == 0 ? Vocabulary.unknown : words[i] }
                let piece = merges.pieces[i - 1]
                return (piece.start ? "▁" : "") + (piece.isUnknown ? "<?>" : piece.text)
            }
            return (0..<specials.count).contains(i - base) ? specials[i - base] : Vocabulary.unknown
        }.joined(separator: " ")
    }

    // A word-level tokenizer is stored as before this mode existed ({"words": [...]}), so old checkpoints load.
    private enum CodingKeys: String, CodingKey { case words, subword, mergeDropout }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let words = try c.decode([String].self, forKey: .words)
        guard let merges = try c.decodeIfPresent(SubwordMerges.self, forKey: .subword) else { self.init(words: words); return }
        let rate = try c.decodeIfPresent(Double.self, forKey: .mergeDropout) ?? 0
        guard Kind.mergeDropoutRange.contains(rate) else {
            throw DecodingError.dataCorruptedError(forKey: .mergeDropout, in: c, debugDescription: "mergeDropout \(rate) is outside \(Kind.mergeDropoutRange)")
        }
        self.init(words: words, mode: .subword(merges, mergeDropout: rate))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(words, forKey: .words)
        guard case .subword(let merges, let rate) = mode else { return }
        try c.encode(merges, forKey: .subword)
        if rate > 0 { try c.encode(rate, forKey: .mergeDropout) }
    }

    public static func == (a: Tokenizer, b: Tokenizer) -> Bool { a.words == b.words && a.mode == b.mode }
}

extension Tokenizer {
    /// The tokenizer a policy file asks for.
    public enum Kind: Sendable, Equatable {
        case word
        /// Byte-pair-encoding merges, at most this many, and BPE-dropout's rate in training passes.
        case subword(merges: Int, mergeDropout: Double)

        /// 0: off; Provilkov et al. train at 0.1.
        static let mergeDropoutRange = 0.0...0.9

        /// The `tokenizer` and `merges` keys of a policy file's `model:` section; the section's other keys
        /// are the model's shape, so ``TransformerConfiguration`` finishes it.
        public init(from source: some ParameterSource) throws {
            switch try source.string("tokenizer", default: "word", allowed: ["word", "subword"]) {
            case "word": self = .word
            // 300: the default world's training split holds 364 word types; 300 merges keep the pieces (364
            // with `<unk>`) fewer than its 501 words, so rarer training words stay spelled from pieces that
            // unseen words reuse, and make every prompt with any candidate response fit the default context
            // of 64 (57 tokens at most; 70 at 200 merges, 88 at 100). 0 spells every word in characters.
            default: self = .subword(merges: try source.int("merges", default: 300, range: 0...20_000),
                                     mergeDropout: try source.double("mergeDropout", default: 0, range: Self.mergeDropoutRange))
            }
        }
    }

    /// A tokenizer of `kind` over the world's vocabulary; subword merges are learned from the words of
    /// `training`, which must be training data only (a test or out-of-distribution word is to be spelled
    /// from what training showed).
    public init(vocabulary: Vocabulary, kind: Kind, training: [Text]) {
        switch kind {
        case .word:
            self.init(vocabulary: vocabulary)
        case .subword(let count, let rate):
            let corpus = training.flatMap { text in
                text.tokens.compactMap { t in t > 0 && Int(t) < vocabulary.count ? vocabulary.words[Int(t)] : nil }
            }
            self.init(words: vocabulary.words, mode: .subword(SubwordMerges(learningFrom: corpus, merges: count), mergeDropout: rate))
        }
    }
}
