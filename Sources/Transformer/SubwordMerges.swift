/// Byte-pair-encoding merges (Sennrich, Haddow and Birch, 2016) over the characters of words: how the
/// subword tokenizer spells any word, seen or not, from pieces that training words share.
///
/// Learning starts from each training word spelled in characters, the first one marked as the word's start
/// (so a piece sequence splits into words unambiguously), and repeatedly merges the adjacent pair of pieces
/// that occurs most often, counting each word as often as the corpus holds it; ties go to the
/// lexicographically first pair (``Piece`` order), so the merges are a function of the corpus alone. A word
/// is encoded by applying the merges in the order they were learned. A character training never showed is the
/// unknown piece (text ""), which no merge involves.
public struct SubwordMerges: Sendable, Equatable, Codable {
    /// Characters of a word, and whether they begin it. The unknown piece has no text.
    public struct Piece: Hashable, Comparable, Sendable, Codable {
        public let text: String
        public let start: Bool

        public init(_ text: String, start: Bool) {
            self.text = text
            self.start = start
        }

        public var isUnknown: Bool { text.isEmpty }

        public static func < (a: Piece, b: Piece) -> Bool { a.text != b.text ? a.text < b.text : !a.start && b.start }
    }

    /// Two adjacent pieces that become one.
    public struct Merge: Hashable, Comparable, Sendable, Codable {
        public let left: Piece
        public let right: Piece

        public init(_ left: Piece, _ right: Piece) {
            self.left = left
            self.right = right
        }

        public var merged: Piece { Piece(left.text + right.text, start: left.start) }

        public static func < (a: Merge, b: Merge) -> Bool { a.left != b.left ? a.left < b.left : a.right < b.right }
    }

    /// The characters of the training words, sorted.
    public let alphabet: [String]
    /// In the order they were learned.
    public let merges: [Merge]
    /// Every piece, each once: for each character of the alphabet its start and inner piece, the unknown
    /// start and inner piece, then each merge's result the first time it appears. A word's encoding indexes it.
    public let pieces: [Piece]
    private let ids: [Piece: Int]
    private let ranks: [Merge: Int]

    /// Learns at most `count` merges from `corpus`, one element per occurrence of a word; it stops early when
    /// every training word is one piece.
    public init(learningFrom corpus: some Sequence<String>, merges count: Int) {
        var frequencies: [String: Int] = [:]
        for word in corpus where !word.isEmpty { frequencies[word, default: 0] += 1 }
        let types = frequencies.keys.sorted()
        let weights = types.map { frequencies[$0]! }
        var words = types.map { word in word.enumerated().map { Piece(String($1), start: $0 == 0) } }
        var merges: [Merge] = []
        while merges.count < count {
            var pairs: [Merge: Int] = [:]
            for (word, weight) in zip(words, weights) where word.count > 1 {
                for i in 1..<word.count { pairs[Merge(word[i - 1], word[i]), default: 0] += weight }
            }
            // The most frequent pair, the first in `Merge` order among equals: a total order, so the
            // dictionary's iteration order cannot matter.
            guard let best = pairs.min(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key })?.key else { break }
            merges.append(best)
            words = words.map { Self.apply(best, to: $0) }
        }
        self.init(alphabet: Set(types.flatMap { $0.map(String.init) }).sorted(), merges: merges)
    }

    /// Fails (nil) when a merge joins a piece that neither the alphabet nor an earlier merge makes, or an
    /// alphabet entry is not one character: what a damaged checkpoint could hold.
    public init?(checking alphabet: [String], merges: [Merge]) {
        guard alphabet.allSatisfy({ $0.count == 1 }), Set(alphabet).count == alphabet.count else { return nil }
        var known = Set(alphabet.flatMap { [Piece($0, start: true), Piece($0, start: false)] })
        for merge in merges {
            guard known.contains(merge.left), known.contains(merge.right), !merge.right.start else { return nil }
            known.insert(merge.merged)
        }
        self.init(alphabet: alphabet, merges: merges)
    }

    private init(alphabet: [String], merges: [Merge]) {
        self.alphabet = alphabet
        self.merges = merges
        var pieces = alphabet.flatMap { [Piece($0, start: true), Piece($0, start: false)] }
        pieces += [Piece("", start: true), Piece("", start: false)]
        var ids: [Piece: Int] = [:]
        for (i, piece) in pieces.enumerated() { ids[piece] = i }
        for merge in merges where ids[merge.merged] == nil {
            ids[merge.merged] = pieces.count
            pieces.append(merge.merged)
        }
        var ranks: [Merge: Int] = [:]
        for (rank, merge) in merges.enumerated() where ranks[merge] == nil { ranks[merge] = rank }
        self.pieces = pieces
        self.ids = ids
        self.ranks = ranks
    }

    /// `word` as pieces (indices into ``pieces``): its characters, then the merges in the order they were
    /// learned. Merging the lowest-ranked adjacent pair first is the same as applying the merges in order, as
    /// a merge only ever makes pairs of a later rank.
    ///
    /// With `skip`, BPE-dropout (Provilkov, Emelianenko and Voita, ACL 2020): at every step each applicable
    /// merge is passed over when `skip` says so (it is asked with a running count of the candidates it has
    /// seen), and the lowest-ranked of the rest is applied; the word ends when none is left. Trained on such
    /// spellings, a model learns that a word is its pieces however they are cut.
    public func encode(_ word: String, skip: ((Int) -> Bool)? = nil) -> [Int] {
        var parts = word.enumerated().map { i, c in
            let piece = Piece(String(c), start: i == 0)
            return ids[piece] == nil ? Piece("", start: i == 0) : piece
        }
        var asked = 0
        while parts.count > 1 {
            var best: (rank: Int, merge: Merge)?
            for i in 1..<parts.count {
                guard let rank = ranks[Merge(parts[i - 1], parts[i])] else { continue }
                if let skip {
                    asked += 1
                    if skip(asked) { continue }
                }
                if rank < best?.rank ?? .max { best = (rank, Merge(parts[i - 1], parts[i])) }
            }
            guard let best else { break }
            parts = Self.apply(best.merge, to: parts)
        }
        return parts.map { ids[$0]! }  // every merge's result has an id
    }

    /// Every occurrence of the pair, left to right, without overlaps.
    private static func apply(_ merge: Merge, to word: [Piece]) -> [Piece] {
        var out: [Piece] = []
        out.reserveCapacity(word.count)
        var i = 0
        while i < word.count {
            if i + 1 < word.count && word[i] == merge.left && word[i + 1] == merge.right {
                out.append(merge.merged)
                i += 2
            } else {
                out.append(word[i])
                i += 1
            }
        }
        return out
    }

    // The learned merges are the state; the pieces and their indices follow from them.
    private enum CodingKeys: String, CodingKey { case alphabet, merges }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let alphabet = try c.decode([String].self, forKey: .alphabet)
        guard let checked = Self(checking: alphabet, merges: try c.decode([Merge].self, forKey: .merges)) else {
            throw DecodingError.dataCorruptedError(forKey: .merges, in: c, debugDescription: "a merge joins pieces the alphabet and the earlier merges do not make")
        }
        self = checked
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(alphabet, forKey: .alphabet)
        try c.encode(merges, forKey: .merges)
    }

    public static func == (a: SubwordMerges, b: SubwordMerges) -> Bool { a.alphabet == b.alphabet && a.merges == b.merges }
}
