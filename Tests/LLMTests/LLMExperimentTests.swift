import Chat
import Critics
import Experiments
import Foundation
import HumorGym
import LLM
import Teachers
import Testing
import Worlds

/// LLM teachers and critics inside experiments, against the scripted server on loopback: the server's answers
/// are a fixed function of the request, so an experiment has one right result.
@Suite struct LLMExperimentTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-llm-experiment-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// FNV-1a of the request body: the same request, the same answer, in every process.
    static func hash(_ body: String) -> UInt64 {
        body.utf8.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }

    /// A judge with opinions and gaps: pairwise verdicts for 1 or 2, or none (1 in 3); scores 1-10, or none (1 in 7).
    static func judge(_: Int, _ body: String) -> ScriptedServer.Reply {
        let h = hash(body)
        if body.contains("Score: N") { return .answer(h % 7 == 0 ? "A fine response." : "Witty enough. Score: \(h % 10 + 1)") }
        return .answer(["Answer: 1", "Answer: 2", "Both are fine."][Int(h % 3)])
    }

    func llm(_ baseURL: String, cache mode: String) throws -> LLMSpec {
        try LLMSpec(yaml: "name: scripted\nbaseURL: \(baseURL)\nmodel: m\nretries: 0\ncache:\n  path: \(directory.path)/cassette.sqlite\n  mode: \(mode)\n",
                    file: "scripted.yaml")
    }

    func jokes(critic: LLMSpec, teacher: JokesEnvironment.Teacher = .corpus, teacherOutputs: Int = 1) -> EnvironmentSpec {
        Self.jokes(critic: critic, prompts: (8, 4, 3), samples: 2, teacher: teacher, teacherOutputs: teacherOutputs)
    }

    /// A small jokes environment (the project's corpus, 6 candidates a setup) with the human punchline as the
    /// teacher and `critic` judging both training and reports.
    static func jokes(critic: LLMSpec, prompts: (train: Int, test: Int, ood: Int), samples: Int,
                      teacher: JokesEnvironment.Teacher = .corpus, teacherOutputs: Int = 1) -> EnvironmentSpec {
        var env = EnvironmentSpec()
        var world = JokeWorld.Configuration()
        world.path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/official-joke-api/jokes.json").path
        (world.trainPrompts, world.testPrompts, world.oodPrompts) = prompts
        world.candidatesPerPrompt = 6
        var jokes = JokesEnvironment(critic: critic)
        jokes.world = world
        jokes.teacher = teacher
        jokes.teacherOutputs = teacherOutputs
        env.name = "jokes"
        env.world = .jokes(jokes)
        env.evaluation.samplesPerPrompt = samples
        return env
    }

    /// A transformer small enough to train in a test: what an LLM teacher's outputs need.
    static func tinyTransformer() throws -> PolicySpec {
        try PolicySpec(yaml: """
            name: tiny
            kind: transformer
            model: {context: 40, width: 16, layers: 1, heads: 2}
            sampling: {maxResponseTokens: 12}
            warmStart: {epochs: 2}
            algorithms:
              rwr: {epochs: 1, samples: 2}
              dpo: {epochs: 1, samples: 3, maxLengthRatio: 0}
            """, file: "tiny.yaml")
    }

    @Test func aJokesComparisonJudgedByAnLLMIsOneResultAndItsCassetteReplaysItOffline() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ScriptedServer(Self.judge)
        defer { server.stop() }
        let critic = try llm(server.baseURL, cache: "read-write")
        let experiment = try Experiment(environment: jokes(critic: critic), policy: PolicySpec())
        let report = try await Comparison(experiment: experiment, algorithms: ["imitation", "rwr", "dpo"], seedCount: 1).run().report
        for run in report.runs {
            let test = run.metrics["test"]!
            #expect(test.gold == nil && test.humor == nil && test.critic != nil && (0...100).contains(test.wtr))
        }
        // The judge abstains on 1 request in 3: each run's 16 test judgements include some, and not all.
        #expect(report.runs.allSatisfy { (1..<100).contains($0.metrics["test"]!.abstentions!) })
        #expect(report.teacher["test"]!.meanGold == nil && report.teacher["test"]!.outputsPerPrompt == 1)
        let table = ReportTable.render(report)
        #expect(!table.contains("nan") && table.contains("abst%") && !table.contains("humor"))
        // The judge read the setups and punchlines as the corpus writes them, quoted.
        let world = experiment.world
        let setup = world.prompts(.test)[0].text.string
        #expect(server.received.contains { $0.body.contains(setup.replacingOccurrences(of: "\"", with: "\\\"")) })
        let sent = server.received.count
        #expect(sent > 0 && sent == experiment.llms.openClient(critic)?.statistics.sent)  // no retries, no request twice

        // Offline: the cassette alone gives the same report, byte for byte.
        let replay = try Experiment(environment: jokes(critic: try llm("http://127.0.0.1:9/v1", cache: "replay")), policy: PolicySpec())
        let again = try await Comparison(experiment: replay, algorithms: ["imitation", "rwr", "dpo"], seedCount: 1).run().report
        #expect(try ResultsWriter.json(again) == ResultsWriter.json(report))
        #expect(server.received.count == sent)
    }

    @Test func anLLMTeachesATransformerWhatAnLLMJudges() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        // The teacher answers with a list (or, for 1 setup in 4, refuses); the judge as above.
        let server = try ScriptedServer { n, body in
            guard body.contains("funny punchlines") else { return Self.judge(n, body) }
            let h = Self.hash(body)
            return .answer(h % 4 == 0 ? "I'm sorry, I can't write jokes." : "1. The wall, obviously.\n2. Dam!\n3. Nobody knows, zebra.")
        }
        defer { server.stop() }
        let llm = try llm(server.baseURL, cache: "read-write")
        let env = jokes(critic: llm, teacher: .llm(LLMTeacherSpec(llm: llm, settings: .init(template: LLMTeacher.punchlineTemplate))),
                        teacherOutputs: 3)
        let experiment = try Experiment(environment: env, policy: try Self.tinyTransformer())
        let report = try await Comparison(experiment: experiment, algorithms: ["rwr", "dpo"], seedCount: 1).run().report
        for run in report.runs { #expect(run.steps > 0 && run.metrics["test"]!.kl.isFinite) }
        let teacher = report.teacher["test"]!
        // Every list is the same 12 tokens; the words the 15 jokes lack ("zebra", ...) are <unk>.
        let list = ["The wall, obviously.", "Dam!", "Nobody knows, zebra."].map(experiment.world.vocabulary.encode)
        #expect(list.reduce(0) { $0 + $1.count } == 12)
        #expect(teacher.unknownTokens == Double(list.reduce(0) { $0 + $1.tokens.filter { $0 == 0 }.count }) / 12)
        #expect(teacher.unknownTokens > 0)
        #expect(teacher.outputsPerPrompt == 3 * (1 - teacher.promptsWithoutOutput))
        // 15 setups asked once each; the refusals are the prompts left without outputs, and the report says so.
        let calls = try #require(report.teacherCalls)
        let silent = Split.allCases.map { report.teacher[$0.rawValue].map { Int(($0.promptsWithoutOutput * 1000).rounded()) } ?? 0 }
        #expect(calls.prompts == 15 && calls.unusable == 0 && calls.outputs == 3 * (15 - calls.refused), "\(silent)")
        #expect(ReportTable.render(report).contains("LLM teacher: 15 prompts asked over all seeds and splits, \(calls.refused) refused"))
    }

    @Test func anLLMTeacherWritesInTheWorldsWordsAndCountsWhatItDropped() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ScriptedServer { _, body in
            if body.contains("fish") { return .answer("Sure! Here you go:\n1. Dam.\n2. \"Ouch, a zebra!\"\n3. Dam!") }
            if body.contains("scarecrow") { return .answer("I'm sorry, but I can't help with that.") }
            return .answer("Jokes are a matter of taste.")
        }
        defer { server.stop() }
        let vocabulary = Vocabulary(Vocabulary.words(in: "what did the fish say when it hit the wall? dam. ouch, a why scarecrow!"))
        let teacher = LLMTeacher(model: try LLMClient(try llm(server.baseURL, cache: "off").endpoint), template: LLMTeacher.punchlineTemplate,
                                 temperature: 0.8, vocabulary: vocabulary)
        let prompts = ["what did the fish say when it hit the wall?", "why scarecrow", "what did the wall say"].enumerated().map {
            Prompt(id: $0.offset, split: .train, text: vocabulary.encode($0.element))
        }
        let outputs = try await teacher.demonstrations(for: prompts, count: 3)
        // The words as the LLM wrote them; the world's tokens mark what its vocabulary lacks.
        #expect(outputs.map { $0.map(\.string) } == [["Dam.", "Ouch, a zebra!", "Dam!"], [], []])
        #expect(outputs.map { $0.map { vocabulary.text($0.tokens).string } } == [["dam.", "ouch, a <unk>!", "dam!"], [], []])
        let counts = teacher.tally.counts
        #expect(counts.prompts == 3 && counts.refused == 1 && counts.unusable == 1)
        #expect(counts.outputs == 3 && counts.tokens == 9 && counts.unknownTokens == 1)
        #expect(server.received.allSatisfy { $0.request?.temperature == 0.8 })
        #expect(server.received.contains { $0.body.contains("Setup: what did the fish say when it hit the wall?") })
    }

    /// An LLM judging its own model's outputs: self-preference is measured on pairs of the teacher's text and the
    /// candidate gold scores nearest to it. This judge picks whichever holds "zebra", which only the teacher writes:
    /// the teacher's text in every pair, whatever gold says. Another model as the critic is not measurable.
    @Test func selfPreferenceIsMeasuredForAnLLMJudgingItsOwnModel() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ScriptedServer { _, body in
            if body.contains("humorous paraphrases") { return .answer("1. a zebra at noon\n2. zebra naps") }
            let prompt = (try? JSONDecoder().decode(ChatRequest.self, from: Data(body.utf8)))?.messages.last?.content ?? ""
            let first = prompt.components(separatedBy: "Candidate 1: ").last?.components(separatedBy: "\n").first ?? ""
            return .answer(first.contains("zebra") ? "Answer: 1" : "Answer: 2")
        }
        defer { server.stop() }
        let llm = try llm(server.baseURL, cache: "read-write")
        var paraphrase = ParaphraseEnvironment()
        (paraphrase.world.trainPrompts, paraphrase.world.testPrompts, paraphrase.world.oodPrompts) = (6, 4, 2)
        paraphrase.teacher = .llm(LLMTeacherSpec(llm: llm, settings: .init(template: LLMTeacher.paraphraseTemplate)))
        paraphrase.critic = .llm(llm)
        var env = EnvironmentSpec()
        env.world = .paraphrase(paraphrase)
        let experiment = try Experiment(environment: env, policy: try PolicySpec(yaml: "kind: transformer\n", file: "transformer.yaml"))
        let run = try await experiment.run(seed: 0)
        guard case .measurable(let pairs) = experiment.selfPreferencePairs(.test, run: run, critic: nil) else {
            Issue.record("an LLM critic on its own teacher's outputs is measurable")
            return
        }
        #expect(pairs.count == 4 && pairs.allSatisfy { $0.first.string == "a zebra at noon" && !$0.second.string.contains("zebra") })
        let s = try await SelfPreference.measure(critic: experiment.critic(seed: 0, run: run), gold: try #require(experiment.gold), pairs: pairs)
        #expect(s.critic.count == s.critic.denominator && s.critic.denominator > 0)
        #expect(abs(s.points - (100 - s.gold.percent)) < 1e-9)
        var other = llm
        other.endpoint.model = "another-model"
        guard case .unmeasurable(let why) = experiment.selfPreferencePairs(.test, run: run, critic: other) else {
            Issue.record("another model did not write the teacher's outputs")
            return
        }
        #expect(why == "the critic's model is not the teacher's")
    }
}
