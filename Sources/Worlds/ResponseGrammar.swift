import HumorGym
import Stochastics

/// The world's generative model of paraphrases: the templates a response is built from and the random
/// choices that make candidates differ in humor, meaning and fluency.
///
/// A response restates the prompt's concept (the plain word, a synonym, a wrong concept, or nothing) and
/// qualifier, adds 0-3 intensifiers, usually a twist ("like a NOUN SITUATION"), and maybe an opener and a
/// tag. A few candidates are corrupted (a swapped, dropped or doubled token) and so read less fluently.
struct ResponseGrammar: Sendable {
    let lexicon: CompiledLexicon

    private func w(_ word: String) -> Int32 { lexicon.vocabulary.id(word)! }

    /// The tokens of a prompt with this meaning.
    func prompt(_ meaning: PromptMeaning) -> [Int32] {
        PromptShape.all[meaning.shape].pattern.map { slot in
            switch slot {
            case "CONCEPT": lexicon.concepts[meaning.concept].words[0]
            case "QUALIFIER": lexicon.qualifiers[meaning.qualifier!][0]
            default: w(slot)
            }
        }
    }

    /// One response to a prompt with this meaning; `corrupt` allows a corrupted (disfluent) candidate.
    func response(_ meaning: PromptMeaning, stream: RandomStream, corrupt: Bool) -> [Int32] {
        let concept = lexicon.concepts[meaning.concept]
        let kind = concept.kind

        // The concept: kept (plain word or synonym), swapped for another of its topic, or dropped.
        var conceptWords: [Int32] = []
        let r = stream.uniform()
        if r < 0.4 {
            conceptWords = [concept.words[0]]
        } else if r < 0.75 {
            conceptWords = [concept.words[1 + stream.integer(below: concept.words.count - 1)]]
        } else if r < 0.9 {
            let others = lexicon.concepts(topic: concept.topic, kind: kind).filter { $0 != meaning.concept }
            conceptWords = [lexicon.concepts[others[stream.integer(below: others.count)]].words[0]]
        }
        if conceptWords.isEmpty { conceptWords = [w(kind == .role ? "person" : kind == .object ? "thing" : "chill")] }

        // The qualifier: for roles and objects only. A prompt without one sometimes gains one (new meaning).
        var qualifierWords: [Int32] = []
        if kind != .activity {
            if let q = meaning.qualifier {
                let r = stream.uniform()
                let words = lexicon.qualifiers[q]
                if r < 0.4 { qualifierWords = [words[0]] }
                else if r < 0.75 { qualifierWords = [words[1 + stream.integer(below: words.count - 1)]] }
                else if r < 0.9 {
                    let other = (q + 1 + stream.integer(below: lexicon.qualifiers.count - 1)) % lexicon.qualifiers.count
                    qualifierWords = [lexicon.qualifiers[other][0]]
                }
            } else if stream.bernoulli(0.15) {
                qualifierWords = [lexicon.qualifiers[stream.integer(below: lexicon.qualifiers.count)][0]]
            }
        }

        let intensifierCount = [0, 0, 0, 1, 1, 1, 2, 2, 3][stream.integer(below: 9)]
        let intensifiers = (0..<intensifierCount).map { _ in lexicon.intensifiers[stream.integer(below: lexicon.intensifiers.count)] }
        let hasTwist = stream.bernoulli(0.9)
        let noun = lexicon.twistNouns[stream.integer(below: lexicon.twistNouns.count)]
        let situation = lexicon.situations[stream.integer(below: lexicon.situations.count)]
        let opener = stream.bernoulli(0.4) ? lexicon.openers[stream.integer(below: lexicon.openers.count)] : []
        let tag = stream.bernoulli(0.4) ? lexicon.tags[stream.integer(below: lexicon.tags.count)] : []
        let secondTemplate = hasTwist && stream.bernoulli(0.5)

        var out = opener
        let twistTail = [w("like"), w("a"), noun] + situation
        let embeddedTwist = [noun] + situation
        switch (kind, secondTemplate) {
        case (.role, false):
            out += [w("i"), w("am"), w("a")] + intensifiers + qualifierWords + conceptWords
            if hasTwist { out += [w(",")] + twistTail }
        case (.role, true):
            out += [w("being"), w("a")] + intensifiers + qualifierWords + conceptWords
                + [w("is"), w("basically"), w("being"), w("a")] + embeddedTwist
        case (.activity, false):
            out += [w("i")] + intensifiers + [w("live"), w("to")] + conceptWords
            if hasTwist { out += [w(",")] + twistTail }
        case (.activity, true):
            out += [w("every"), w("time"), w("i")] + conceptWords + [w("i")] + intensifiers
                + [w("turn"), w("into"), w("a")] + embeddedTwist
        case (.object, false):
            out += [w("i"), w("own"), w("a")] + intensifiers + qualifierWords + conceptWords
            if hasTwist { out += [w(",")] + twistTail }
        case (.object, true):
            out += [w("my")] + intensifiers + qualifierWords + conceptWords + [w("is"), w("basically"), w("a")] + embeddedTwist
        }
        if !tag.isEmpty { out += [w(",")] + tag }
        out.append(w("."))

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
}
