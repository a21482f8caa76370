import HumorGym
import Stochastics
import Testing
@testable import Worlds
import Teachers

@Suite struct ParaphraseWorldTests {
    let world = Fixtures.default

    @Test func splitsHaveTheirSizesAndUniqueIds() {
        #expect(world.prompts(.train).count == 500)
        #expect(world.prompts(.test).count == 400)
        #expect(world.prompts(.ood).count == 200)
        #expect(world.allPrompts.map(\.id) == Array(0..<1100))
        #expect(world.vocabulary.count > 300 && world.vocabulary.count < 3000)
    }

    @Test func testNeverRepeatsATrainPromptAndOODUsesUnseenTopicsAndShapes() {
        let train = Set(world.prompts(.train).map(\.text))
        #expect(world.prompts(.test).allSatisfy { !train.contains($0.text) })
        let trainWords = Set(world.prompts(.train).flatMap(\.text.tokens))
        for prompt in world.prompts(.ood) {
            // Every OOD prompt has a word train never shows: an OOD topic's concept or an OOD shape's word.
            #expect(prompt.text.tokens.contains { !trainWords.contains($0) }, "\(prompt.text.string)")
        }
    }

    @Test func candidatesAreDistinctAndStartWithTheLiteralCopy() {
        for prompt in world.allPrompts.prefix(50) {
            let c = world.candidates[prompt]
            #expect(c.count == 32)
            #expect(Set(c).count == c.count)
            #expect(c[0] == prompt.text)
            #expect(world.candidates.position(of: c[5], for: prompt) == 5)
        }
    }

    @Test func theSameConfigurationBuildsTheSameWorld() throws {
        var c = ParaphraseWorld.Configuration()
        c.trainPrompts = 20; c.testPrompts = 5; c.oodPrompts = 5
        let a = try ParaphraseWorld(c), b = try ParaphraseWorld(c)
        #expect(a.allPrompts == b.allPrompts)
        #expect(a.allPrompts.map { a.candidates[$0] } == b.allPrompts.map { b.candidates[$0] })
        c.seed = 7
        #expect(try ParaphraseWorld(c).allPrompts.map(\.text) != a.allPrompts.map(\.text))
    }

    @Test func tooManyPromptsIsAClearError() {
        var c = ParaphraseWorld.Configuration()
        c.trainPrompts = 5000
        #expect(throws: HumorGymError.self) { try ParaphraseWorld(c) }
    }
}

@Suite struct GoldJudgeTests {
    let world = Fixtures.default
    var gold: any GoldJudge { world.goldJudge }

    func prompt(_ sentence: String) -> Prompt {
        world.allPrompts.first { $0.text.string == sentence }!
    }

    @Test func theLiteralCopyKeepsTheMeaningButIsNotFunny() throws {
        let p = world.prompts(.train)[0]
        let s = gold.judge(p.text, for: p)
        #expect(s.consistency == 1)
        #expect(s.fluency == 1)
        #expect(s.humor == 0)
        #expect(abs(s.total - (0.3 + 0.2)) < 1e-12)
    }

    @Test func partsAndTotalByHand() throws {
        // "i am a nurse and i am always tired ." must be a prompt of some split, or pick any role prompt
        // with a qualifier: build the paraphrases from its own words.
        let p = try #require(world.allPrompts.first { $0.text.string.hasPrefix("i am a ") && $0.text.count == 10 })
        let words = p.text.string.split(separator: " ").map(String.init)
        let role = words[3], qualifier = words[8]
        let judge = world.goldJudge as! ParaphraseGoldJudge
        let meaning = judge.meanings[p.id]
        let synonym = judge.lexicon.vocabulary.words[Int(judge.lexicon.concepts[meaning.concept].words[1])]

        // Meaning kept with a synonym; no twist, one intensifier: humor = exaggeration(1) + its strength.
        let plain = Fixtures.text(world, "i am a totally \(qualifier) \(synonym) .")
        let s = gold.judge(plain, for: p)
        #expect(s.consistency == 1)
        let k = judge.lexicon.intensifiers.firstIndex(of: Fixtures.word(world, "totally"))!
        #expect(abs(s.humor - (0.10 + judge.humor.intensifierStrength[k])) < 1e-12)

        // A twist at the end: + 0.7 funny(topic, noun, situation) + 0.08 punchline.
        let joke = Fixtures.text(world, "i am a totally \(qualifier) \(role) , like a penguin on a diet .")
        let j = gold.judge(joke, for: p)
        let noun = judge.lexicon.twistNouns.firstIndex(of: Fixtures.word(world, "penguin"))!
        let situation = judge.lexicon.situations.firstIndex(of: [Fixtures.word(world, "on"), Fixtures.word(world, "a"), Fixtures.word(world, "diet")])!
        let expected = 0.10 + judge.humor.intensifierStrength[k] + 0.7 * judge.humor.funny(topic: meaning.topic, noun: noun, situation: situation) + 0.08
        #expect(abs(j.humor - min(1, max(0, expected))) < 1e-12)
        #expect(abs(j.total - (0.5 * j.humor + 0.3 * j.consistency + 0.2 * j.fluency)) < 1e-12)

        // Dropping the qualifier loses its 0.35 share; a second, different qualifier costs 0.25 more.
        let noQualifier = gold.judge(Fixtures.text(world, "i am a \(role) , like a penguin on a diet ."), for: p)
        #expect(abs(noQualifier.consistency - 0.65) < 1e-12)
        let other = judge.lexicon.vocabulary.words[Int(judge.lexicon.qualifiers[(meaning.qualifier! + 1) % 12][0])]
        let contradicted = gold.judge(Fixtures.text(world, "i am a \(other) \(role) , like a penguin on a diet ."), for: p)
        #expect(abs(contradicted.consistency - 0.40) < 1e-12)
    }

    @Test func gibberishAndEmptyTextScoreLow() {
        let p = world.prompts(.test)[3]
        let stream = RandomStream(seed: 1)
        let gibberish = Fixtures.tokens((0..<12).map { _ in Int32(stream.integer(below: world.vocabulary.count)) })
        let g = gold.judge(gibberish, for: p)
        #expect(g.fluency < 0.3)
        #expect(g.total < 0.4)
        let empty = gold.judge(Fixtures.tokens([]), for: p)
        #expect(empty.fluency == 0 && empty.consistency == 0 && empty.humor == 0)
        // Out-of-range tokens are judged, not trusted.
        #expect(gold.judge(Fixtures.tokens([-5, 99_999]), for: p).fluency == 0)
    }

    @Test func longOutputsLoseFluency() {
        let p = world.prompts(.train)[0]
        let long = Fixtures.tokens(Array(repeating: p.text.tokens, count: 4).flatMap { $0 })
        #expect(gold.judge(long, for: p).fluency < 0.5)
    }
}

@Suite struct WorldTeacherTests {
    @Test func outputsVaryInQualityAndTheBestCandidateBeatsThem() {
        let world = Fixtures.default
        let teacher = WorldTeacher(world: world, seed: 5)
        var spread = 0.0, mean = 0.0, best = 0.0
        let prompts = world.prompts(.test)
        for p in prompts {
            let outputs = teacher.outputs(for: p, count: 3)
            #expect(Set(outputs).count == 3)  // without replacement
            let g = outputs.map { world.goldJudge.judge($0, for: p).total }
            spread += g.max()! - g.min()!
            mean += g.reduce(0, +) / 3
            best += world.candidates[p].map { world.goldJudge.judge($0, for: p).total }.max()!
        }
        let n = Double(prompts.count)
        #expect(spread / n > 0.1)          // visibly varying quality
        #expect(best / n > mean / n + 0.05) // copying the teacher is not the best a student can do
        #expect(teacher.outputs(for: prompts[0], count: 3) == WorldTeacher(world: world, seed: 5).outputs(for: prompts[0], count: 3))
    }
}
