import GGUF

/// The byte-level BPE tokenizer a GGUF model was trained with (`tokenizer.ggml.model` `gpt2`), from the file's
/// own vocabulary and merges, splitting text as llama.cpp does before merging:
///
/// 1. pre-tokenization: for `smollm` (SmolLM2), every number codepoint is a piece of its own, then GPT-2's
///    pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` cuts each piece
///    (written out as llama.cpp's `unicode_regex_split_custom_gpt2` runs it); `gpt2` skips the first step;
/// 2. each piece's UTF-8 bytes as GPT-2's printable characters (`bytesToUnicode`);
/// 3. the adjacent pair with the lowest merge rank merged, everywhere in the piece, until no pair has a rank;
/// 4. each symbol's id, or its bytes' ids where the vocabulary lacks it.
///
/// With `parseSpecial`, the model's control tokens written in the text (`<|im_start|>`, as a chat template
/// renders them) are their own ids, as llama.cpp's `parse_special`.
public struct ByteLevelBPE: Sendable {
    /// The vocabulary: id -> token as GPT-2 characters.
    public let tokens: [String]
    private let ids: [String: Int32]
    private let ranks: [String: Int]
    private let splitsDigits: Bool
    /// Control tokens' texts and ids, longest first.
    private let special: [(text: String, id: Int32)]

    /// The control tokens' ids (`<|im_start|>`, ...): what a sampler never writes but to end a turn.
    public var controlTokens: Set<Int32> { Set(special.map(\.id)) }

    /// The pre-tokenizers this tokenizer implements (`tokenizer.ggml.pre`).
    public static let preTokenizers = ["gpt2", "smollm"]

    /// - Parameters:
    ///   - merges: "left right" pairs, best first.
    ///   - preTokenizer: one of ``preTokenizers``.
    ///   - special: the control tokens' ids (`tokenizer.ggml.token_type` 3).
    public init(tokens: [String], merges: [String], preTokenizer: String, special: [Int32] = []) throws {
        guard Self.preTokenizers.contains(preTokenizer) else {
            throw GGUFError("tokenizer", "pre-tokenizer '\(preTokenizer)' is not one this tokenizer implements (\(Self.preTokenizers.joined(separator: ", ")))")
        }
        self.tokens = tokens
        var ids: [String: Int32] = [:]
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = Int32(id) }
        self.ids = ids
        var ranks: [String: Int] = [:]
        for (rank, merge) in merges.enumerated() where ranks[merge] == nil { ranks[merge] = rank }
        self.ranks = ranks
        splitsDigits = preTokenizer == "smollm"
        guard special.allSatisfy({ tokens.indices.contains(Int($0)) }) else { throw GGUFError("tokenizer", "a special token id is not in the vocabulary") }
        self.special = special.map { (tokens[Int($0)], $0) }.filter { !$0.0.isEmpty }.sorted { $0.0.count > $1.0.count }
    }

    /// The tokenizer of a GGUF file's `tokenizer.ggml.*` metadata.
    public init(_ file: GGUFFile) throws {
        func strings(_ key: String) throws -> [String] {
            guard let values = file[key]?.array?.compactMap(\.string), !values.isEmpty else {
                throw GGUFError(file.path, "no \(key): not a byte-level BPE model")
            }
            return values
        }
        guard let model = file["tokenizer.ggml.model"]?.string, model == "gpt2" else {
            throw GGUFError(file.path, "tokenizer.ggml.model is \(file["tokenizer.ggml.model"]?.description ?? "missing"); this tokenizer reads gpt2 (byte-level BPE)")
        }
        let types = file["tokenizer.ggml.token_type"]?.array?.compactMap(\.int) ?? []
        try self.init(tokens: try strings("tokenizer.ggml.tokens"), merges: try strings("tokenizer.ggml.merges"),
                      preTokenizer: file["tokenizer.ggml.pre"]?.string ?? "gpt2",
                      special: types.indices.filter { types[$0] == 3 }.map { Int32($0) })
    }

    /// `text`'s token ids; none is added. With `parseSpecial`, control tokens written in it are recognised.
    public func encode(_ text: String, parseSpecial: Bool = false) -> [Int32] {
        guard parseSpecial, !special.isEmpty else {
            return Self.pieces(Array(text.unicodeScalars), splitsDigits: splitsDigits).flatMap { piece in
                merge(String(String.UnicodeScalarView(piece)).utf8.map { Self.bytesToUnicode[Int($0)] })
            }
        }
        var ids: [Int32] = [], rest = Substring(text)
        // The earliest control token, the longest where two start together; the text before it as plain text.
        while let (range, id) = special.compactMap({ token in rest.range(of: token.text).map { ($0, token.id) } })
            .min(by: { $0.0.lowerBound < $1.0.lowerBound }) {
            ids += encode(String(rest[..<range.lowerBound]))
            ids.append(id)
            rest = rest[range.upperBound...]
        }
        return ids + encode(String(rest))
    }

    /// The text of `ids` (bytes that are not UTF-8 are replaced).
    public func decode(_ ids: [Int32]) -> String { String(decoding: bytes(ids), as: UTF8.self) }

    /// The bytes `ids` stand for.
    public func bytes(_ ids: [Int32]) -> [UInt8] {
        ids.flatMap { id in tokens[Int(id)].unicodeScalars.compactMap { Self.unicodeToByte[$0] } }
    }

    /// BPE on one piece's characters, then their ids.
    private func merge(_ characters: [Character]) -> [Int32] {
        var symbols = characters.map(String.init)
        while symbols.count > 1 {
            var best: (rank: Int, left: String, right: String)?
            for i in 0..<symbols.count - 1 {
                if let rank = ranks[symbols[i] + " " + symbols[i + 1]], rank < best?.rank ?? .max { best = (rank, symbols[i], symbols[i + 1]) }
            }
            guard let best else { break }
            var merged: [String] = []
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == best.left, symbols[i + 1] == best.right {
                    merged.append(best.left + best.right)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        return symbols.flatMap { symbol in
            ids[symbol].map { [$0] } ?? symbol.map { ids[String($0)] ?? 0 }
        }
    }

    // MARK: Pre-tokenization

    /// What the GPT-2 pattern asks of a codepoint (llama.cpp's `unicode_cpt_flags`).
    struct Flags {
        var letter = false, number = false, whitespace = false
        /// Any category at all (an unassigned codepoint has none, and matches nothing).
        var assigned = false

        init() {}

        init(_ scalar: Unicode.Scalar) {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: letter = true
            case .decimalNumber, .letterNumber, .otherNumber: number = true
            default: break
            }
            whitespace = scalar.properties.isWhitespace
            assigned = scalar.properties.generalCategory != .unassigned
        }
    }

    /// The pieces BPE merges within: digits apart (`smollm`), then GPT-2's pattern.
    static func pieces(_ scalars: [Unicode.Scalar], splitsDigits: Bool) -> [[Unicode.Scalar]] {
        var parts: [ArraySlice<Unicode.Scalar>] = []
        if splitsDigits {
            var start = 0
            for (i, scalar) in scalars.enumerated() where Flags(scalar).number {
                if start < i { parts.append(scalars[start..<i]) }
                parts.append(scalars[i...i])
                start = i + 1
            }
            if start < scalars.count { parts.append(scalars[start...]) }
        } else {
            parts = [scalars[...]]
        }
        return parts.flatMap { gpt2(Array($0)) }
    }

    /// GPT-2's pattern on one part, as llama.cpp's `unicode_regex_split_custom_gpt2` runs it.
    static func gpt2(_ s: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        func flags(_ i: Int) -> Flags { i < s.count ? Flags(s[i]) : Flags() }
        func other(_ f: Flags) -> Bool { !(f.whitespace || f.letter || f.number) && f.assigned }
        var pieces: [[Unicode.Scalar]] = []
        var start = 0, pos = 0
        func cut(_ end: Int) {
            if end > start { pieces.append(Array(s[start..<end])) }
            start = end
            pos = end
        }
        while pos < s.count {
            let c = s[pos]
            // 's|'t|'re|'ve|'m|'ll|'d
            if c == "'", pos + 1 < s.count {
                let next = s[pos + 1]
                if ["s", "t", "m", "d"].contains(next) { cut(pos + 2); continue }
                if pos + 2 < s.count, [("r", "e"), ("v", "e"), ("l", "l")].contains(where: { $0.0 == next && $0.1 == s[pos + 2] }) { cut(pos + 3); continue }
            }
            var f = c == " " ? flags(pos + 1) : flags(pos)
            let space = c == " " ? 1 : 0
            // ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+
            if let test = [{ (f: Flags) in f.letter }, { (f: Flags) in f.number }, other].first(where: { $0(f) }) {
                var end = pos + space
                while test(f) { end += 1; f = flags(end) }
                cut(end)
                continue
            }
            // \s+(?!\S) | \s+
            var spaces = 0
            while flags(pos + spaces).whitespace { spaces += 1 }
            if spaces > 1 && pos + spaces < s.count { cut(pos + spaces - 1); continue }
            if spaces > 0 { cut(pos + spaces); continue }
            cut(pos + 1)  // matches nothing: a piece of its own
        }
        return pieces
    }

    // MARK: Bytes as characters

    /// GPT-2's `bytes_to_unicode`: printable Latin-1 bytes as themselves, the rest as U+0100 onwards, in order.
    static let bytesToUnicode: [Character] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var next = 256
        return (0...255).map { byte in
            if printable.contains(byte) { return Character(Unicode.Scalar(UInt8(byte))) }
            defer { next += 1 }
            return Character(Unicode.Scalar(UInt32(next))!)
        }
    }()

    static let unicodeToByte: [Unicode.Scalar: UInt8] = {
        Dictionary(uniqueKeysWithValues: bytesToUnicode.enumerated().map { ($1.unicodeScalars.first!, UInt8($0)) })
    }()
}
