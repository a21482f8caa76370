import Experiments
import Foundation
import HumorGym
import Teachers
import Testing
import Worlds

@Suite struct JokeWorldTests {
    static let world = try! JokeWorld({ var c = JokeWorld.Configuration(); c.path = Fixtures.jokesFile; return c }())

    @Test func promptsAreSetupsAndTheCorpusTeacherGivesTheirPunchlines() async throws {
        let world = Self.world
        // 445 distinct setups of 451 jokes; the 64 programming jokes (62 setups) are OOD.
        #expect(world.allPrompts.count == 445)
        #expect(world.prompts(.ood).count == 62)
        #expect(world.allPrompts.map(\.id) == Array(0..<445))
        // Texts keep the corpus's spelling; their tokens are the lower-cased words.
        let first = try #require(world.allPrompts.first { $0.text.string == "What did the fish say when it hit the wall?" })
        #expect(world.punchlines(for: first)[0].string == "Dam." && first.text.tokens == world.vocabulary.encode("what did the fish say when it hit the wall?").tokens)
        let teacher = CorpusTeacher(world: world)
        #expect(try await teacher.demonstrations(for: [first], count: 3) == [world.punchlines(for: first)])
        // A setup told with two punchlines keeps both.
        #expect(world.allPrompts.contains { world.punchlines(for: $0).count > 1 })
    }

    @Test func candidatesHoldTheOwnPunchlineAndOthersOfTheSameSplitInAnOrderThatTellsNothing() {
        let world = Self.world
        var ownFirst = 0
        for prompt in world.allPrompts {
            let set = world.candidates[prompt], own = world.punchlines(for: prompt)
            #expect(set.count == 16 && Set(set).count == 16)
            for text in own { #expect(world.candidates.position(of: text, for: prompt) != nil) }
            let others = Set(world.prompts(prompt.split).filter { $0 != prompt }.flatMap { world.punchlines(for: $0) })
            #expect(set.allSatisfy { own.contains($0) || others.contains($0) })
            if own.contains(set[0]) { ownFirst += 1 }
        }
        #expect(ownFirst < 445 / 4)  // about 1 in 16 by chance
    }

    @Test func capsTakeTheFirstSetupsOfEachSplitAndTheSameConfigurationGivesTheSameWorld() throws {
        var c = JokeWorld.Configuration()
        c.path = Fixtures.jokesFile
        c.trainPrompts = 5; c.testPrompts = 3; c.oodPrompts = 2; c.candidatesPerPrompt = 4
        let small = try JokeWorld(c), again = try JokeWorld(c)
        #expect(small.prompts(.train).count == 5 && small.prompts(.test).count == 3 && small.prompts(.ood).count == 2)
        #expect(small.prompts(.train).map(\.text.string) == Self.world.prompts(.train).prefix(5).map(\.text.string))
        #expect(small.allPrompts.map { small.candidates[$0] } == again.allPrompts.map { again.candidates[$0] })
        // Every word of the world's own texts is in its vocabulary.
        for prompt in small.allPrompts {
            #expect(!prompt.text.tokens.contains(0) && small.candidates[prompt].allSatisfy { !$0.tokens.contains(0) })
        }
        c.seed = 7
        #expect(try JokeWorld(c).prompts(.test).map(\.text.string) != small.prompts(.test).map(\.text.string))
    }

    @Test func wordsAreLowerCaseWithPunctuationApartAndRenderAttachesIt() {
        #expect(Vocabulary.words(in: "Why did the  Chicken cross? Don’t ask!") == ["why", "did", "the", "chicken", "cross", "?", "don't", "ask", "!"])
        let v = Vocabulary(Vocabulary.words(in: "why did the chicken cross? don't ask!"))
        let text = v.encode("Why did the CHICKEN cross? Don't ask!")
        #expect(text.string == "Why did the CHICKEN cross? Don't ask!")  // as written
        let rendered = v.text(text.tokens)
        #expect(rendered.string == "why did the chicken cross? don't ask!" && rendered.tokens == text.tokens && rendered != text)
        #expect(v.encode(rendered.string) == rendered)
        let zebra = v.encode("a zebra!")
        #expect(zebra.string == "a zebra!" && v.text(zebra.tokens).string == "<unk> <unk>!")
    }

    @Test func aJokesEnvironmentFileReadsItsCorpusRelativeToItselfAndRefusesWhatCannotJudgeThere() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-jokes-env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(atPath: Fixtures.jokesFile, toPath: directory.appendingPathComponent("data/jokes.json").path)
        let llm = directory.appendingPathComponent("judge.yaml").path
        try "name: judge\nmodel: m\n".write(toFile: llm, atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("env.yaml").path
        let spec = try EnvironmentSpec(yaml: "world:\n  kind: jokes\n  path: data/jokes.json\n  oodTypes: [programming, dad]\n  testPrompts: 4\ncritic:\n  kind: llm\n  llm: \(llm)\n", file: file)
        guard case .jokes(let jokes) = spec.world else { Issue.record("not the jokes world"); return }
        let c = jokes.world
        #expect(c.path == directory.appendingPathComponent("data/jokes.json").path && c.oodTypes == ["programming", "dad"] && c.testPrompts == 4 && c.trainPrompts == nil)
        #expect(jokes.critic.name == "judge" && jokes.teacher == .corpus && jokes.teacherOutputs == 1 && jokes.evaluator == .critic)

        func error(_ yaml: String) -> String {
            do { _ = try EnvironmentSpec(yaml: yaml, file: "e.yaml"); return "no error" } catch { return "\(error)" }
        }
        #expect(error("world:\n  kind: jokes\n") == "e.yaml: critic.kind: a mock critic needs the paraphrase world's gold judge; the jokes world has none: use kind: llm")
        #expect(error("world:\n  kind: jokes\ncritic:\n  kind: llm\n  llm: \(llm)\nevaluator:\n  kind: gold\n") == "e.yaml:7: evaluator.kind: the jokes world has no gold judge; use kind: critic or llm")
        #expect(error("world:\n  kind: jokes\nteacher:\n  kind: world\n").hasPrefix("e.yaml:4: teacher.kind: a world teacher needs the paraphrase world"))
        #expect(error("teacher:\n  kind: corpus\n") == "e.yaml:2: teacher.kind: a corpus teacher needs the jokes world (world.kind: jokes)")
        #expect(error("critic:\n  kind: llm\n").hasPrefix("e.yaml:2: critic.llm: an LLM teacher, critic or evaluator names its server"))
        #expect(error("critic:\n  kind: llm\n  llm: nowhere/x.yaml\n") == "e.yaml:3: critic.llm: LLM file 'nowhere/x.yaml' does not exist")
        #expect(error("world:\n  kind: jokes\n  oodTypes: {a: 1}\n") == "e.yaml:3: world.oodTypes: expected a list, found a mapping")
    }

    /// The two rules that span an environment file and a policy file, checked when the experiment is assembled.
    @Test func whatSpansTwoFilesIsCheckedWhenTheExperimentIsAssembled() throws {
        let small = "world: {trainPrompts: 5, testPrompts: 2, oodPrompts: 2}\n"
        let llmTeacher = try EnvironmentSpec(yaml: small + "teacher: {kind: llm, llm: {model: m}, template: '{n} {prompt}'}\n", file: "e.yaml")
        #expect(throws: HumorGymError("the log-linear student chooses among the world's candidates, and an LLM teacher's outputs are not among them; use a generative policy (transformer-tiny, smollm2-135m)")) {
            try Experiment(environment: llmTeacher, policy: PolicySpec())
        }
        let selfPreferring = try EnvironmentSpec(yaml: small + "teacher: {kind: llm, llm: {model: m}}\ncritic: {teacherPreference: 2}\n", file: "e.yaml")
        #expect(throws: HumorGymError("environment paraphrase: a mock critic's teacherPreference is for the world teacher's own taste; with this teacher it must be 0")) {
            try Experiment(environment: selfPreferring, policy: try #require(PolicySpec.builtIn("transformer-tiny")))
        }
        #expect(throws: HumorGymError("e.yaml:4: teacher.template: a teacher template must contain {prompt} (and may contain {n})")) {
            try EnvironmentSpec(yaml: "teacher:\n  kind: llm\n  llm: {model: m}\n  template: Write {n} jokes.\n", file: "e.yaml")
        }
    }
}
