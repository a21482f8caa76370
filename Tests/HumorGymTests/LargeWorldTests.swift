import Experiments
import HumorGym
import Stochastics
import Testing
@testable import Worlds

/// FNV-1a over the bytes fed in: a fingerprint that does not depend on Swift's per-process hash seed.
struct Fingerprint {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ x: UInt64) {
        for k in 0..<8 { value = (value ^ ((x >> (8 * UInt64(k))) & 0xff)) &* 0x0000_0100_0000_01b3 }
    }

    mutating func add(_ tokens: [Int32]) {
        add(UInt64(tokens.count))
        for t in tokens { add(UInt64(UInt32(bitPattern: t))) }
    }

    mutating func add(_ string: String) {
        add(UInt64(string.utf8.count))
        for b in string.utf8 { add(UInt64(b)) }
    }
}

@Suite struct DefaultWorldStaysTheSameTests {
    /// The default world's vocabulary, prompts (text, split, order), every candidate and every candidate's gold
    /// parts, the fluent bigrams, recorded before the world learnt to grow: every published figure rests on them.
    @Test func theDefaultWorldIsTheOneThePublishedFiguresCameFrom() {
        let world = Fixtures.default
        var f = Fingerprint()
        for word in world.vocabulary.words { f.add(word) }
        for prompt in world.allPrompts {
            f.add(UInt64(prompt.id))
            f.add(prompt.split.rawValue)
            f.add(prompt.text.string)
            f.add(prompt.text.tokens)
            for candidate in world.candidates[prompt] {
                f.add(candidate.string)
                f.add(candidate.tokens)
                let s = world.goldJudge.judge(candidate, for: prompt)
                for x in [s.humor, s.consistency, s.fluency, s.total] { f.add(x.bitPattern) }
            }
        }
        // The language the gold judge calls fluent, probed with every one- and two-token text.
        let judge = world.goldJudge as! ParaphraseGoldJudge
        let v = Int32(world.vocabulary.count)
        for a in 0..<v {
            f.add(judge.bigrams.fluency([a]).bitPattern)
            for b in 0..<v { f.add(judge.bigrams.fluency([a, b]).bitPattern) }
        }
        #expect(f.value == 0xa568_36f6_a095_7742)
    }
}

@Suite struct LargeWorldTests {
    /// environments/paper-scale.yaml's world, with two candidates per prompt to keep the test quick.
    static let paperScale: ParaphraseWorld = {
        var c = try! EnvironmentSpec(yaml: readProjectFile("environments/paper-scale.yaml"), file: "paper-scale.yaml").paraphrase
        c.candidatesPerPrompt = 2
        return try! ParaphraseWorld(c)
    }()

    var world: ParaphraseWorld { Self.paperScale }
    var judge: ParaphraseGoldJudge { world.goldJudge as! ParaphraseGoldJudge }

    @Test func holdsTheDataSizeStudysTrainSetBesideTestAndOOD() {
        let train = world.prompts(.train), test = world.prompts(.test), ood = world.prompts(.ood)
        #expect(train.count == 12_000 && test.count == 400 && ood.count == 200)
        let trainTexts = Set(train.map(\.text))
        #expect(trainTexts.count == 12_000)
        #expect(test.allSatisfy { !trainTexts.contains($0.text) } && ood.allSatisfy { !trainTexts.contains($0.text) })
        let meaning = { (p: Prompt) in self.judge.meanings[p.id] }
        let trainMeanings = Set(train.map(meaning))
        #expect(trainMeanings.count == 12_000)
        #expect(test.allSatisfy { !trainMeanings.contains(meaning($0)) } && ood.allSatisfy { !trainMeanings.contains(meaning($0)) })

        // Test shares train's topics and shapes; OOD has none of them.
        let topics = judge.lexicon.inDistributionTopicCount
        for p in train + test {
            #expect(meaning(p).topic < topics && !PromptShape.all[meaning(p).shape].isOutOfDistribution)
        }
        for p in ood {
            #expect(meaning(p).topic >= topics && PromptShape.all[meaning(p).shape].isOutOfDistribution)
        }
        #expect(Set(test.map { meaning($0).shape }).isSubset(of: Set(train.map { meaning($0).shape })))
        // Modifiers appear in every split, as often as the meanings hold them (12 in 13).
        for prompts in [train, test, ood] {
            let share = Double(prompts.filter { meaning($0).modifier != nil }.count) / Double(prompts.count)
            #expect(abs(share - 12.0 / 13) < 0.05)
        }
    }

    @Test func theGrammarMakesTheAdvertisedNumberOfMeanings() throws {
        var c = world.configuration
        c.trainPrompts = 14_200; c.testPrompts = 361
        #expect { try ParaphraseWorld(c) } throws: { "\($0)".contains("the 14560 in-distribution prompts") }
        c = world.configuration
        c.oodPrompts = 3_641
        #expect { try ParaphraseWorld(c) } throws: { "\($0)".contains("the 3640 OOD prompts") }
        c.modifiers = 13
        #expect(throws: HumorGymError.self) { try ParaphraseWorld(c) }
        // The original world's counts.
        var original = ParaphraseWorld.Configuration()
        original.trainPrompts = 1_000; original.testPrompts = 121
        #expect { try ParaphraseWorld(original) } throws: { "\($0)".contains("the 1120 in-distribution prompts") }
    }

    @Test func consistencyChecksTheModifier() throws {
        let p = try #require(world.prompts(.train).first {
            let m = judge.meanings[$0.id]
            return m.modifier != nil && m.qualifier != nil && PromptShape.all[m.shape].kind == .role
        })
        let m = judge.meanings[p.id]
        let modifier = judge.lexicon.modifiers[m.modifier!]
        let other = judge.lexicon.modifiers[(m.modifier! + 1) % judge.lexicon.modifiers.count]
        let words = judge.lexicon.vocabulary.words
        func say(_ tokens: [Int32]) -> String { tokens.map { words[Int($0)] }.joined(separator: " ") }
        let role = say([judge.lexicon.concepts[m.concept].words[0]]), qualifier = say([judge.lexicon.qualifiers[m.qualifier!][0]])
        func consistency(_ modifierWords: String) -> Double {
            world.goldJudge.judge(Fixtures.text(world, "i am a \(qualifier) \(role) \(modifierWords) , like a penguin on a diet ."), for: p).consistency
        }
        let dot = Fixtures.word(world, ".")
        #expect(Array(p.text.tokens.suffix(3)) == modifier.phrase(0) + [dot])
        let copy = world.goldJudge.judge(p.text, for: p)
        #expect(copy.consistency == 1 && copy.fluency == 1 && copy.humor == 0)
        #expect(consistency(say(modifier.phrase(0))) == 1)
        #expect(consistency(say(modifier.phrase(1))) == 1)                       // a synonym keeps it
        #expect(abs(consistency("") - 0.75) < 1e-12)                            // dropped: its 0.25 share
        #expect(abs(consistency(say(other.phrase(0))) - 0.5) < 1e-12)           // another: 0.25 more
        // A modifier the prompt lacks contradicts it; the humor does not depend on the modifier.
        let plain = try #require(world.prompts(.train).first { judge.meanings[$0.id].modifier == nil && judge.meanings[$0.id].qualifier == nil })
        let gained = world.vocabulary.text(plain.text.tokens.dropLast() + modifier.phrase(0) + [dot])
        #expect(abs(world.goldJudge.judge(gained, for: plain).consistency - 0.75) < 1e-12)
        #expect(world.goldJudge.judge(gained, for: plain).humor == world.goldJudge.judge(plain.text, for: plain).humor)
    }

    /// The enumerated language is exactly what sampling finds when it samples long enough: one meaning of each
    /// kind, with and without a qualifier and a modifier.
    @Test func enumeratedBigramsAreWhatTheGrammarSamples() {
        let lexicon = CompiledLexicon(modifierCount: 3)
        let grammar = ResponseGrammar(lexicon: lexicon)
        let stream = RandomStream(seed: 11)
        for (s, shape) in PromptShape.all.enumerated() {
            let c = lexicon.concepts.indices.first { lexicon.concepts[$0].kind == shape.kind && (lexicon.concepts[$0].topic < lexicon.inDistributionTopicCount) != shape.isOutOfDistribution }!
            for modifier in [nil, 1] {
                let meaning = PromptMeaning(shape: s, topic: lexicon.concepts[c].topic, concept: c, qualifier: shape.hasQualifier ? 4 : nil, modifier: modifier)
                let restatement = grammar.restatement(meaning)
                var enumerated = BigramSet(vocabularySize: lexicon.vocabulary.count), sampled = enumerated
                grammar.insertEveryBigram(restatement, into: &enumerated)
                for _ in 0..<20_000 { sampled.insert(grammar.response(restatement, stream: stream, corrupt: false)) }
                #expect(sampled == enumerated, "shape \(s), modifier \(String(describing: modifier))")
            }
        }
    }
}
