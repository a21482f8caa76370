import HumorGym
import Stochastics

/// The world's generative model of paraphrases: the templates a response is built from and the random
/// choices that make candidates differ in humor, meaning and fluency.
///
/// A response restates the prompt's concept (the plain word, a synonym, a wrong concept, or nothing), its
/// qualifier and its modifier, adds 0-3 intensifiers, usually a twist ("like a NOUN SITUATION"), and maybe an
/// opener and a tag. A few candidates are corrupted (a swapped, dropped or doubled token) and so read less
/// fluently. The templates are written once for both uses of the grammar: drawing one response, and listing
/// every bigram a clean response can contain (what the gold judge calls fluent in a world built to grow).
struct ResponseGrammar: Sendable {
    let lexicon: CompiledLexicon
    /// How many intensifiers a response has: an entry drawn uniformly. It holds every count from 0 to its
    /// largest, which the bigram enumeration relies on (it lets each intensifier slot be empty).
    private static let intensifierCounts = [0, 0, 0, 1, 1, 1, 2, 2, 3]
    private let opener: PhraseChoice
    /// A tag with its comma (", no regrets").
    private let tag: PhraseChoice
    private let nouns: [[Int32]]
    /// Each qualifier's and each modifier's phrases: the plain one first, then its synonyms.
    private let qualifierPhrases: [[[Int32]]]
    private let modifierPhrases: [[[Int32]]]

    init(lexicon: CompiledLexicon) {
        self.lexicon = lexicon
        opener = PhraseChoice(tiers: [.anyOf(lexicon.openers, below: 0.4)], otherwise: [])
        let comma = lexicon.vocabulary.id(",")!
        tag = PhraseChoice(tiers: [.anyOf(lexicon.tags.map { [comma] + $0 }, below: 0.4)], otherwise: [])
        nouns = lexicon.twistNouns.map { [$0] }
        qualifierPhrases = lexicon.qualifiers.map { words in words.map { [$0] } }
        modifierPhrases = lexicon.modifiers.map { m in m.words.indices.map(m.phrase) }
    }

    private func w(_ word: String) -> Int32 { lexicon.vocabulary.id(word)! }

    /// The tokens of a prompt with this meaning: its shape's pattern, with the modifier before the full stop.
    func prompt(_ meaning: PromptMeaning) -> [Int32] {
        var tokens = PromptShape.all[meaning.shape].pattern.map { slot in
            switch slot {
            case "CONCEPT": lexicon.concepts[meaning.concept].words[0]
            case "QUALIFIER": lexicon.qualifiers[meaning.qualifier!][0]
            default: w(slot)
            }
        }
        if let m = meaning.modifier { tokens.insert(contentsOf: lexicon.modifiers[m].phrase(0), at: tokens.count - 1) }
        return tokens
    }

    /// How a response can restate one meaning: worked out once per prompt, drawn from per candidate.
    struct Restatement: Sendable {
        let kind: ConceptKind
        let concept: PhraseChoice
        let qualifier: PhraseChoice
        let modifier: PhraseChoice
    }

    func restatement(_ meaning: PromptMeaning) -> Restatement {
        let concept = lexicon.concepts[meaning.concept]
        let kind = concept.kind
        // The concept: kept (plain word or synonym), swapped for another of its topic, or dropped.
        let others = lexicon.concepts(topic: concept.topic, kind: kind).filter { $0 != meaning.concept }
        let conceptChoice = PhraseChoice(
            tiers: [.phrase([concept.words[0]], below: 0.4), .anyOf(concept.words.dropFirst().map { [$0] }, below: 0.75),
                    .anyOf(others.map { [lexicon.concepts[$0].words[0]] }, below: 0.9)],
            otherwise: [w(kind == .role ? "person" : kind == .object ? "thing" : "chill")])
        // The qualifier: for roles and objects only. A prompt without one sometimes gains one (new meaning).
        let qualifier = kind == .activity ? .nothing : PhraseChoice.restating(meaning.qualifier, among: qualifierPhrases, gained: 0.15)
        // The modifier, when the world has them: kept, swapped, dropped or, rarely, gained.
        let modifier = modifierPhrases.isEmpty ? .nothing : PhraseChoice.restating(meaning.modifier, among: modifierPhrases, gained: 0.1)
        return Restatement(kind: kind, concept: conceptChoice, qualifier: qualifier, modifier: modifier)
    }

    /// One response restating `meaning`; `corrupt` allows a corrupted (disfluent) candidate.
    func response(_ meaning: Restatement, stream: RandomStream, corrupt: Bool) -> [Int32] {
        let concept = meaning.concept.draw(stream)
        let qualifier = meaning.qualifier.draw(stream)
        let modifier = meaning.modifier.draw(stream)
        let intensifierCount = Self.intensifierCounts[stream.integer(below: Self.intensifierCounts.count)]
        let intensifiers = (0..<intensifierCount).map { _ in lexicon.intensifiers[stream.integer(below: lexicon.intensifiers.count)] }
        let hasTwist = stream.bernoulli(0.9)
        let noun = nouns[stream.integer(below: nouns.count)]
        let situation = lexicon.situations[stream.integer(below: lexicon.situations.count)]
        let opener = self.opener.draw(stream)
        let tag = self.tag.draw(stream)
        let twist: Twist = !hasTwist ? .none : stream.bernoulli(0.5) ? .embedded : .tail

        var response = Tokens()
        layout(meaning.kind, twist, Pieces(opener: opener, intensifiers: [intensifiers], qualifier: qualifier, concept: concept,
                                            modifier: modifier, noun: noun, situation: situation, tag: tag), into: &response)
        var out = response.tokens
        if corrupt && out.count > 3 && stream.bernoulli(0.12) {
            let i = stream.integer(below: out.count - 2)
            switch stream.integer(below: 3) {
            case 0: out.swapAt(i, i + 1)
            case 1: out.remove(at: i)
            default: out.insert(out[i], at: i)
            }
        }
        return out
    }

    /// Every bigram of every clean response restating `meaning`, into `set`: each piece may be any phrase its
    /// choice can give, in every template.
    func insertEveryBigram(_ meaning: Restatement, into set: inout BigramSet) {
        let intensifier = [[]] + lexicon.intensifiers.map { [$0] }
        let pieces = Pieces(
            opener: opener.phrases, intensifiers: Array(repeating: intensifier, count: Self.intensifierCounts.max()!),
            qualifier: meaning.qualifier.phrases, concept: meaning.concept.phrases, modifier: meaning.modifier.phrases,
            noun: nouns, situation: lexicon.situations, tag: tag.phrases)
        for twist in Twist.allCases {
            var slots = Slots()
            layout(meaning.kind, twist, pieces, into: &slots)
            set.insert(everySentenceOf: slots.slots)
        }
    }

    /// Where a response's twist goes: nowhere, after a comma (", like a NOUN SITUATION"), or inside the
    /// second template ("... is basically a NOUN SITUATION").
    private enum Twist: CaseIterable { case none, tail, embedded }

    /// A response's pieces before a template orders them: phrases (one response) or, for the enumeration, the
    /// list of phrases each piece can be.
    private struct Pieces<Piece> {
        let opener: Piece
        let intensifiers: [Piece]
        let qualifier: Piece
        let concept: Piece
        let modifier: Piece
        let noun: Piece
        let situation: Piece
        let tag: Piece
    }

    /// The templates, one per (concept kind, twist inside or not).
    private func layout<B: ResponseBuilder>(_ kind: ConceptKind, _ twist: Twist, _ p: Pieces<B.Piece>, into b: inout B) {
        func words(_ ws: String...) { for word in ws { b.append(w(word)) } }
        func intensifiers() { for piece in p.intensifiers { b.append(piece: piece) } }
        /// The concept and the modifier right after it, as the prompt says them.
        func concept() { b.append(piece: p.concept); b.append(piece: p.modifier) }
        func embeddedTwist() { b.append(piece: p.noun); b.append(piece: p.situation) }

        b.append(piece: p.opener)
        switch (kind, twist == .embedded) {
        case (.role, false):
            words("i", "am", "a"); intensifiers(); b.append(piece: p.qualifier); concept()
        case (.role, true):
            words("being", "a"); intensifiers(); b.append(piece: p.qualifier); concept()
            words("is", "basically", "being", "a"); embeddedTwist()
        case (.activity, false):
            words("i"); intensifiers(); words("live", "to"); concept()
        case (.activity, true):
            words("every", "time", "i"); concept(); words("i"); intensifiers(); words("turn", "into", "a"); embeddedTwist()
        case (.object, false):
            words("i", "own", "a"); intensifiers(); b.append(piece: p.qualifier); concept()
        case (.object, true):
            words("my"); intensifiers(); b.append(piece: p.qualifier); concept(); words("is", "basically", "a"); embeddedTwist()
        }
        if twist == .tail { words(",", "like", "a"); embeddedTwist() }
        b.append(piece: p.tag)
        words(".")
    }
}

/// One piece of a response, chosen by a uniform draw r: the first tier whose bound r is below gives it (its
/// one phrase, or one drawn uniformly from its list), else `otherwise`. A choice without tiers draws nothing.
struct PhraseChoice: Sendable {
    enum Tier: Sendable {
        case phrase([Int32], below: Double)
        case anyOf([[Int32]], below: Double)
    }

    let tiers: [Tier]
    let otherwise: [Int32]

    static let nothing = PhraseChoice(tiers: [], otherwise: [])

    /// A meaning slot's restatement: with a value (`given`, an index into `among`, whose entries list the
    /// plain phrase first, then its synonyms) kept plain 40% of the time, as a synonym 35%, as another
    /// value's plain phrase 15%, else dropped; without one, another value's plain phrase is gained with
    /// probability `gained`.
    static func restating(_ given: Int?, among values: [[[Int32]]], gained: Double) -> PhraseChoice {
        guard let v = given else { return PhraseChoice(tiers: [.anyOf(values.map { $0[0] }, below: gained)], otherwise: []) }
        let others = (1..<values.count).map { values[(v + $0) % values.count][0] }
        return PhraseChoice(tiers: [.phrase(values[v][0], below: 0.4), .anyOf(Array(values[v].dropFirst()), below: 0.75)]
                          + (others.isEmpty ? [] : [.anyOf(others, below: 0.9)]),
                      otherwise: [])
    }

    func draw(_ stream: RandomStream) -> [Int32] {
        guard !tiers.isEmpty else { return otherwise }
        let r = stream.uniform()
        for tier in tiers {
            switch tier {
            case .phrase(let phrase, let bound) where r < bound: return phrase
            case .anyOf(let phrases, let bound) where r < bound: return phrases[stream.integer(below: phrases.count)]
            default: continue
            }
        }
        return otherwise
    }

    /// Every phrase it can give.
    var phrases: [[Int32]] {
        tiers.flatMap { tier in
            switch tier {
            case .phrase(let phrase, _): [phrase]
            case .anyOf(let phrases, _): phrases
            }
        } + [otherwise]
    }
}

/// Where the templates put a response's pieces.
private protocol ResponseBuilder {
    associatedtype Piece
    mutating func append(_ word: Int32)
    mutating func append(piece: Piece)
}

/// One response's tokens.
private struct Tokens: ResponseBuilder {
    var tokens: [Int32] = []
    mutating func append(_ word: Int32) { tokens.append(word) }
    mutating func append(piece: [Int32]) { tokens += piece }
}

/// Slots of alternative phrases: every response a template can make.
private struct Slots: ResponseBuilder {
    var slots: [[[Int32]]] = []
    mutating func append(_ word: Int32) { slots.append([[word]]) }
    mutating func append(piece: [[Int32]]) { slots.append(piece) }
}
