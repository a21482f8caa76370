import HumorGym

/// The lexicon turned into token tables: the vocabulary and, for every token, the role it plays.
/// Lookups by token id keep the gold judge free of strings and hashing on its hot path.
struct CompiledLexicon: Sendable {
    struct Concept: Sendable {
        let topic: Int
        let kind: ConceptKind
        /// The plain word first, then its synonyms.
        let words: [Int32]
    }

    /// A time or place modifier: a preposition and its head word, which carries the meaning.
    struct Modifier: Sendable {
        let preposition: Int32
        /// The plain head word first, then its synonyms.
        let words: [Int32]

        /// The preposition with head word `k` ("at dawn", "at daybreak").
        func phrase(_ k: Int) -> [Int32] { [preposition, words[k]] }
    }

    let vocabulary: Vocabulary
    let topicNames: [String]
    /// Topics `0..<inDistributionTopicCount` are train/test topics; the rest are OOD.
    let inDistributionTopicCount: Int
    let concepts: [Concept]
    /// `qualifiers[q]`: the plain word, then synonyms.
    let qualifiers: [[Int32]]
    let twistNouns: [Int32]
    let situations: [[Int32]]
    let intensifiers: [Int32]
    let openers: [[Int32]]
    let tags: [[Int32]]
    /// The first `modifierCount` of ``Lexicon/modifiers``; none in the original world.
    let modifiers: [Modifier]

    /// What one token is, packed so that the gold judge reads one entry per token; -1 where it is none.
    struct TokenRole: Sendable {
        var concept: Int16 = -1
        var qualifier: Int16 = -1
        var twistNoun: Int16 = -1
        var intensifier: Int16 = -1
        /// The first token of an opener or tag phrase (matched in full by the judge).
        var opener: Int16 = -1
        var tag: Int16 = -1
        /// A modifier's head word.
        var modifier: Int16 = -1
        /// Concepts, qualifiers, modifiers, twist nouns and intensifiers: the words whose repetition the judge
        /// penalises.
        var isContent: Bool { concept >= 0 || qualifier >= 0 || modifier >= 0 || twistNoun >= 0 || intensifier >= 0 }
    }

    /// `roles[token]`.
    let roles: [TokenRole]

    static let templateWords = [
        "i", "am", "a", "my", "is", "like", "to", "have", "and", "always", "every", "day", "that", "today", "had",
        "everyone", "says", "again", "being", "basically", "live", "time", "turn", "into", "own", "person", "thing", "chill", ",", ".",
    ]

    /// The lexicon with the first `modifierCount` modifiers. Their words come last, so every other token keeps
    /// its id, and the original world (none) keeps its vocabulary.
    init(modifierCount: Int = 0) {
        var words = Self.templateWords
        func split(_ entry: String) -> [String] { entry.split(separator: "|").map(String.init) }
        func phrase(_ entry: String) -> [String] { entry.split(separator: " ").map(String.init) }
        let allTopics = Lexicon.topics + Lexicon.oodTopics
        for topic in allTopics {
            for entry in topic.roles + topic.activities + topic.objects { words += split(entry) }
        }
        for entry in Lexicon.qualifiers { words += split(entry) }
        words += Lexicon.twistNouns + Lexicon.intensifiers
        for p in Lexicon.situations + Lexicon.openers + Lexicon.tags { words += phrase(p) }
        // "at dawn|daybreak": the preposition "at", the head words "dawn" and "daybreak".
        let modifierEntries = Lexicon.modifiers.prefix(modifierCount).map { (preposition: phrase($0)[0], heads: split(phrase($0)[1])) }
        for m in modifierEntries { words += [m.preposition] + m.heads }
        let vocabulary = Vocabulary(words)
        func ids(_ ws: [String]) -> [Int32] { ws.map { vocabulary.id($0)! } }

        var concepts: [Concept] = []
        for (t, topic) in allTopics.enumerated() {
            for (kind, entries) in [(ConceptKind.role, topic.roles), (.activity, topic.activities), (.object, topic.objects)] {
                for entry in entries { concepts.append(Concept(topic: t, kind: kind, words: ids(split(entry)))) }
            }
        }
        self.vocabulary = vocabulary
        self.topicNames = allTopics.map(\.name)
        self.inDistributionTopicCount = Lexicon.topics.count
        self.concepts = concepts
        self.qualifiers = Lexicon.qualifiers.map { ids(split($0)) }
        self.twistNouns = ids(Lexicon.twistNouns)
        self.situations = Lexicon.situations.map { ids(phrase($0)) }
        self.intensifiers = ids(Lexicon.intensifiers)
        self.openers = Lexicon.openers.map { ids(phrase($0)) }
        self.tags = Lexicon.tags.map { ids(phrase($0)) }
        self.modifiers = modifierEntries.map { Modifier(preposition: vocabulary.id($0.preposition)!, words: ids($0.heads)) }

        var roles = [TokenRole](repeating: TokenRole(), count: vocabulary.count)
        func mark(_ groups: [[Int32]], _ field: WritableKeyPath<TokenRole, Int16>) {
            for (g, tokens) in groups.enumerated() { for t in tokens { roles[Int(t)][keyPath: field] = Int16(g) } }
        }
        mark(concepts.map(\.words), \.concept)
        mark(qualifiers, \.qualifier)
        mark(twistNouns.map { [$0] }, \.twistNoun)
        mark(intensifiers.map { [$0] }, \.intensifier)
        mark(openers.map { [$0[0]] }, \.opener)
        mark(tags.map { [$0[0]] }, \.tag)
        mark(modifiers.map(\.words), \.modifier)
        self.roles = roles
    }

    func concepts(topic: Int, kind: ConceptKind) -> [Int] {
        concepts.indices.filter { concepts[$0].topic == topic && concepts[$0].kind == kind }
    }
}

extension Array where Element == Int32 {
    /// True when `phrase` occurs in this sequence starting at `start`.
    @inline(__always) func matches(_ phrase: [Int32], at start: Int) -> Bool {
        guard start >= 0, start + phrase.count <= count else { return false }
        for k in phrase.indices where self[start + k] != phrase[k] { return false }
        return true
    }
}
