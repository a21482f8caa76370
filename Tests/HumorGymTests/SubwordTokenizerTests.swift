import Experiments
import Foundation
import HumorGym
@testable import Transformer
import Stochastics
import Testing
import Worlds

@Suite struct SubwordTokenizerTests {
    typealias Piece = SubwordMerges.Piece
    typealias Merge = SubwordMerges.Merge

    /// The corpus of the Hugging Face course's BPE chapter: hug x10, pug x5, pun x12, bun x4, hugs x5.
    static let corpus = Array(repeating: "hug", count: 10) + Array(repeating: "pug", count: 5) + Array(repeating: "pun", count: 12)
        + Array(repeating: "bun", count: 4) + Array(repeating: "hugs", count: 5)

    func start(_ s: String) -> Piece { Piece(s, start: true) }
    func inner(_ s: String) -> Piece { Piece(s, start: false) }

    @Test func mergesOnATinyCorpusAreTheHandComputedOnes() {
        let m = SubwordMerges(learningFrom: Self.corpus, merges: 100)
        // The most frequent pair at each step, by hand (▁ marks a start piece): (u,g) 20 of (▁p,u) 17, (u,n) 16,
        // (▁h,u) 15; (u,n) 16; (▁h,ug) 15; (▁p,un) 12; (▁hug,s) and (▁p,ug) tie at 5, and the first in order
        // wins ("hug" < "p"); (▁p,ug) 5; (▁b,un) 4. Then every word is one piece: learning stops at 7 of 100.
        #expect(m.merges == [Merge(inner("u"), inner("g")), Merge(inner("u"), inner("n")), Merge(start("h"), inner("ug")),
                             Merge(start("p"), inner("un")), Merge(start("hug"), inner("s")), Merge(start("p"), inner("ug")),
                             Merge(start("b"), inner("un"))])
        #expect(m.alphabet == ["b", "g", "h", "n", "p", "s", "u"])
        // Each letter as a start and an inner piece, the two unknown pieces, then each merge's result.
        #expect(m.pieces.count == 7 * 2 + 2 + 7)
        func spell(_ word: String) -> [Piece] { m.encode(word).map { m.pieces[$0] } }
        #expect(spell("hugs") == [start("hugs")])
        #expect(spell("bug") == [start("b"), inner("ug")])  // unseen, from seen pieces
        #expect(spell("gun") == [start("g"), inner("un")])  // "g" never began a training word
        #expect(spell("sux") == [start("s"), inner("u"), inner("")])  // "x" is the unknown piece
        #expect(spell("") == [])
        // A budget smaller than the corpus allows keeps the first merges.
        #expect(SubwordMerges(learningFrom: Self.corpus, merges: 2).merges == Array(m.merges.prefix(2)))
        #expect(SubwordMerges(learningFrom: Self.corpus, merges: 0).pieces.count == 16)
    }

    @Test func learningDependsOnTheCorpusNotItsOrder() throws {
        let stream = RandomStream(seed: 9)
        let shuffled = stream.permutation(Self.corpus.count).map { Self.corpus[$0] }
        #expect(shuffled != Self.corpus)
        let a = SubwordMerges(learningFrom: Self.corpus, merges: 100), b = SubwordMerges(learningFrom: shuffled, merges: 100)
        #expect(a == b && a.pieces == b.pieces)
        // The same world gives the same tokenizer, stored byte for byte the same.
        let world = Fixtures.small
        let t1 = Tokenizer(vocabulary: world.vocabulary, kind: .subword(merges: 50, mergeDropout: 0), training: world.prompts(.train).map(\.text))
        let t2 = Tokenizer(vocabulary: world.vocabulary, kind: .subword(merges: 50, mergeDropout: 0), training: world.prompts(.train).reversed().map(\.text))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let (json1, json2) = (try encoder.encode(t1), try encoder.encode(t2))
        #expect(t1 == t2 && json1 == json2)
    }

    @Test func everyWordRoundTripsAndUnseenWordsAreSpelledFromPieces() throws {
        let world = Fixtures.default
        // What the experiment learns from: the train prompts and their candidate responses.
        let train = world.prompts(.train).map(\.text) + world.prompts(.train).flatMap { world.candidates[$0] }
        let t = Tokenizer(vocabulary: world.vocabulary, kind: .subword(merges: 300, mergeDropout: 0), training: train)
        guard case .subword(let merges, _) = t.mode else { Issue.record("not subword"); return }
        #expect(merges.merges.count == 300)
        #expect(t.count == 1 + merges.pieces.count + 3 && t.count < world.vocabulary.count)
        let seen = Set(train.flatMap(\.tokens))
        var unseen = 0
        for id in 1..<Int32(world.vocabulary.count) {
            let word = Text(world.vocabulary.words[Int(id)], tokens: [id])
            let pieces = t.encode(word)
            #expect(!pieces.contains(0) && pieces.allSatisfy { !merges.pieces[Int($0) - 1].isUnknown }, "\(word)")
            #expect(t.text(pieces).tokens == [id] && t.text(pieces).string == word.string, "\(word)")
            if !seen.contains(id) { unseen += 1 }
        }
        #expect(unseen > 100)  // the test and out-of-distribution words, spelled all the same
        // Every prompt with any of its candidates fits the default context (the `merges` default's reason).
        let longest = world.allPrompts.flatMap { p in world.candidates[p].map { t.sequence(prompt: p.text, response: $0).tokens.count } }.max()
        #expect(longest == 57)
        // Whole prompts of every split, and the specials.
        for prompt in world.allPrompts { #expect(t.text(t.encode(prompt.text)) == prompt.text) }
        let ood = world.prompts(.ood)[0].text
        let (tokens, start) = t.sequence(prompt: ood, response: ood)
        #expect(tokens == t.encode(ood) + [t.separator] + t.encode(ood) + [t.endOfText] && start == t.encode(ood).count + 1)
        #expect(t.encode(ood).count > ood.count)  // some word takes more than one piece
        #expect(t.render([t.separator, t.endOfText, t.padding, 0, t.padding + 1]) == "<sep> <eos> <pad> <unk> <unk>")
    }

    @Test func piecesThatMakeNoWordAreUnknownToTheWorld() throws {
        let t = Tokenizer(words: ["<unk>", "hug", "pun"], mode: .subword(SubwordMerges(learningFrom: Self.corpus, merges: 100)))
        guard case .subword(let m, _) = t.mode else { Issue.record("not subword"); return }
        func token(_ piece: Piece) -> Int32 { Int32(m.pieces.firstIndex(of: piece)! + 1) }
        #expect(t.render([token(start("hug")), token(inner("s"))]) == "▁hug s")
        // "hugs" is spelled from pieces but is no word of this world: <unk> in the tokens, kept as written.
        let text = t.text([token(start("pun")), token(start("hug")), token(inner("s")), token(start("hug"))])
        #expect(text.tokens == [2, 0, 1] && text.string == "pun hugs hug")
        // An inner piece with no start, the unknown piece, and <unk> itself: token 0, written <unk>.
        #expect(t.text([token(inner("ug")), 0, token(start("b")), token(inner(""))]).tokens == [0, 0, 0])
        #expect(t.text([]).tokens.isEmpty)
        // Word mode is what it always was: the world's tokens, stored as {"words": [...]}.
        let w = Tokenizer(words: ["<unk>", "a", "b"])
        #expect(w.mode == .word && w.encode(Text("a b x", tokens: [1, 2, 7])) == [1, 2, 0])
        #expect(String(decoding: try JSONEncoder().encode(w), as: UTF8.self) == #"{"words":["<unk>","a","b"]}"#)
        #expect(try JSONDecoder().decode(Tokenizer.self, from: Data(#"{"words":["<unk>","a","b"]}"#.utf8)) == w)
        #expect(w != Tokenizer(words: ["<unk>", "a", "b"], mode: .subword(SubwordMerges(learningFrom: ["a", "b"], merges: 0))))
    }

    /// A one-layer student of the small world on subword pieces learned from its training prompts.
    func subwordPolicy(merges: Int, context: Int, width: Int, seed: UInt64) throws -> TransformerPolicy {
        let world = Fixtures.small
        var c = TransformerConfiguration(vocabularySize: 1)
        c.contextLength = context; c.width = width; c.layers = 1; c.heads = 2; c.initializationSeed = seed
        let tokenizer = Tokenizer(vocabulary: world.vocabulary, kind: .subword(merges: merges, mergeDropout: 0), training: world.prompts(.train).map(\.text))
        return try TransformerPolicy(tokenizer: tokenizer, configuration: c)
    }

    @Test func aSubwordCheckpointRestoresTheTokenizer() throws {
        let world = Fixtures.small
        let original = try subwordPolicy(merges: 40, context: 48, width: 8, seed: 3)
        let tokenizer = original.tokenizer
        #expect(original.model.configuration.vocabularySize == tokenizer.count)
        let data = try original.checkpoint()
        let loaded = try TransformerPolicy(checkpoint: data, file: "s.safetensors")
        #expect(loaded.tokenizer == original.tokenizer && loaded.parameters == original.parameters)
        #expect(try loaded.checkpoint() == data)
        let p = world.prompts(.ood)[0], r = world.candidates[p][0]
        #expect(loaded.logProbability(of: r, given: p) == original.logProbability(of: r, given: p))
        // A merge of pieces nothing makes is a damaged file, not a crash.
        var (tensors, metadata) = try SafeTensors.decode(data, file: "s.safetensors")
        let stored = try #require(metadata["tokenizer"])
        metadata["tokenizer"] = stored.replacingOccurrences(of: ##""alphabet":[""##, with: ##""alphabet":["#"##)  // "#" + the first letter
        #expect(metadata["tokenizer"] != stored)
        let damaged = try SafeTensors.encode(tensors.keys.sorted().map { ($0, tensors[$0]!) }, metadata: metadata)
        do {
            _ = try TransformerPolicy(checkpoint: damaged, file: "s.safetensors")
            Issue.record("a damaged alphabet loaded")
        } catch { #expect("\(error)".contains("s.safetensors: the checkpoint's 'tokenizer' metadata is missing or malformed"), "\(error)") }
    }

    @Test func theSubwordStudentSamplesAndScoresWorldTexts() throws {
        let world = Fixtures.small
        var policy = try subwordPolicy(merges: 60, context: 128, width: 16, seed: 4)
        let tokenizer = policy.tokenizer
        policy.sampling.maxResponseTokens = 12
        let prompts = Array(world.prompts(.test).prefix(4) + world.prompts(.ood).prefix(4))
        #expect(Set(prompts.map { tokenizer.start($0.text).count }).count > 1)  // several groups by model length
        let samples = policy.sample(prompts, count: 3, using: RandomStream(seed: 5))
        #expect(samples.count == prompts.count && samples.allSatisfy { $0.count == 3 })
        for text in samples.joined() { #expect(text.tokens.allSatisfy { (0..<Int32(world.vocabulary.count)).contains($0) }) }
        // Scoring reads model tokens: a batch gives what each example gives alone.
        let batch = prompts.map { Example(prompt: $0, response: world.candidates[$0][1]) }
        let together = policy.logProbabilities(batch)
        for (e, v) in zip(batch, together) { #expect(v.isFinite && abs(policy.logProbability(of: e.response, given: e.prompt) - v) < 1e-4) }
        #expect(policy.mostLikely(prompts[0]).tokens.allSatisfy { $0 >= 0 && Int($0) < world.vocabulary.count })
    }

    @Test func policyFilesChooseTheTokenizer() throws {
        func error(_ yaml: String) -> String {
            do { _ = try PolicySpec(yaml: yaml, file: "t.yaml") } catch let e as HumorGymError { return e.message } catch { return "unexpected \(error)" }
            return "no error"
        }
        #expect(try PolicySpec(yaml: "kind: transformer\n", file: "t.yaml").tokenizer == .word)
        #expect(try PolicySpec(yaml: "kind: transformer\nmodel:\n  tokenizer: subword\n", file: "t.yaml").tokenizer == .subword(merges: 300, mergeDropout: 0))
        let spec = try PolicySpec(yaml: "kind: transformer\nmodel:\n  context: 96\n  tokenizer: subword\n  merges: 50\n", file: "t.yaml")
        #expect(spec.tokenizer == .subword(merges: 50, mergeDropout: 0) && spec.transformer.contextLength == 96)
        #expect(error("kind: transformer\nmodel:\n  tokenizer: bpe\n") == "t.yaml:3: model.tokenizer: 'bpe' is not one of word, subword")
        #expect(error("kind: transformer\nmodel:\n  tokenizer: subword\n  merges: -1\n") == "t.yaml:4: model.merges: must be in 0...20000, got -1")
        // Merges belong to the subword tokenizer only.
        #expect(error("kind: transformer\nmodel:\n  merges: 10\n").hasPrefix("t.yaml:3: model.merges: unknown key"))
        #expect(try PolicySpec(yaml: "kind: transformer\nmodel:\n  tokenizer: subword\n  mergeDropout: 0.1\n", file: "t.yaml").tokenizer
            == .subword(merges: 300, mergeDropout: 0.1))
        #expect(error("kind: transformer\nmodel:\n  tokenizer: subword\n  mergeDropout: 1\n") == "t.yaml:4: model.mergeDropout: must be in 0.0...0.9, got 1")
    }

    /// BPE-dropout spells a training pass's words in other cuts, each a function of the pass's key, and every cut
    /// reads back as the same word; without a key, or at rate 0, a word is spelled as always.
    @Test func mergeDropoutCutsWordsOtherwiseAndTheyReadTheSame() throws {
        let world = Fixtures.small
        let train = world.prompts(.train)
        let plain = Tokenizer(vocabulary: world.vocabulary, kind: .subword(merges: 300, mergeDropout: 0), training: train.map(\.text))
        let dropping = Tokenizer(vocabulary: world.vocabulary, kind: .subword(merges: 300, mergeDropout: 0.5), training: train.map(\.text))
        let prompt = train[0].text
        #expect(dropping.encode(prompt) == plain.encode(prompt) && plain.encode(prompt, noise: 7) == plain.encode(prompt))
        let cuts = (0..<20).map { dropping.encode(prompt, noise: UInt64($0)) }
        #expect(dropping.encode(prompt, noise: 3) == cuts[3])
        #expect(Set(cuts).count > 10 && cuts.contains { $0.count > plain.encode(prompt).count })
        for cut in cuts { #expect(dropping.text(cut).tokens == prompt.tokens) }
        // The rate is kept with the merges.
        let data = try JSONEncoder().encode(dropping)
        #expect(try JSONDecoder().decode(Tokenizer.self, from: data) == dropping && dropping != plain)
    }
}
