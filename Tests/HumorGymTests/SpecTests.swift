import Critics
import Experiments
import Foundation
import HumorGym
import Learners
import Testing

/// The project root, found from this file's path (tests run from anywhere).
let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func readProjectFile(_ path: String) throws -> String {
    try String(contentsOf: projectRoot.appendingPathComponent(path), encoding: .utf8)
}

@Suite struct SpecTests {
    @Test func specFilesEqualTheEmbeddedDefaults() throws {
        #expect(try EnvironmentSpec(yaml: readProjectFile("environments/paraphrase.yaml"), file: "paraphrase.yaml") == EnvironmentSpec())
        #expect(try PolicySpec(yaml: readProjectFile("policies/log-linear.yaml"), file: "log-linear.yaml") == PolicySpec())
        #expect(try PolicySpec(yaml: readProjectFile("policies/tabular.yaml"), file: "tabular.yaml") == PolicySpec.builtIn("tabular"))
        #expect(try PolicySpec(yaml: readProjectFile("policies/transformer-tiny.yaml"), file: "transformer-tiny.yaml") == PolicySpec.builtIn("transformer-tiny"))
        #expect(try EnvironmentSpec(yaml: "", file: "empty.yaml") == EnvironmentSpec())
        #expect(try EnvironmentSpec(yaml: "critic:\n  # noise: 2\nworld:\n", file: "commented.yaml") == EnvironmentSpec())
    }

    /// Every environment and policy the project ships reads without an error.
    @Test func everyShippedSpecFileReads() throws {
        for folder in ["environments", "policies"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: projectRoot.appendingPathComponent(folder).path).filter { $0.hasSuffix(".yaml") }
            #expect(names.count >= 3)
            for name in names.sorted() {
                let text = try readProjectFile("\(folder)/\(name)")
                if folder == "environments" { _ = try EnvironmentSpec(yaml: text, file: name) } else { _ = try PolicySpec(yaml: text, file: name) }
            }
        }
        let overtrained = try PolicySpec(yaml: readProjectFile("policies/log-linear-overtrained.yaml"), file: "log-linear-overtrained.yaml")
        #expect(try overtrained.settings(of: "rwr")["epochs"] == "24" && overtrained.settings(of: "dpo")["maxLengthRatio"] == "0.0")
    }

    func error(_ body: () throws -> Void) -> String {
        do { try body() } catch let e as HumorGymError { return e.message } catch { return "unexpected \(error)" }
        return "no error"
    }

    @Test func unknownKeysNameTheFileLineAndKey() {
        let m = error { _ = try EnvironmentSpec(yaml: "critic:\n  noise: 1\n  nosie: 2\n", file: "envs/x.yaml") }
        #expect(m.hasPrefix("envs/x.yaml:3: critic.nosie: unknown key"), "\(m)")
        #expect(m.contains("noise"))
        let a = error { _ = try PolicySpec(yaml: "algorithms:\n  dpo:\n    betta: 0.1\n", file: "p.yaml") }
        #expect(a.hasPrefix("p.yaml:3: algorithms.dpo.betta: unknown key"), "\(a)")
        let u = error { _ = try PolicySpec(yaml: "algorithms:\n  ppo:\n    beta: 0.1\n", file: "p.yaml") }
        #expect(u.hasPrefix("p.yaml:3: algorithms.ppo.chain: 'ppo' is not a learner") && u.contains("dpo"), "\(u)")
    }

    @Test func badValuesAreRejectedWithTheirKey() {
        #expect(error { _ = try EnvironmentSpec(yaml: "critic:\n  noise: .nan\n", file: "e.yaml") } == "e.yaml:2: critic.noise: must be a finite number, got '.nan'")
        #expect(error { _ = try EnvironmentSpec(yaml: "critic:\n  noise: -1\n", file: "e.yaml") }.contains("critic.noise: must be in 0.0...1000.0, got -1"))
        #expect(error { _ = try PolicySpec(yaml: "algorithms:\n  dpo:\n    beta: nan\n", file: "p.yaml") }.contains("algorithms.dpo.beta: must be a finite number"))
        #expect(error { _ = try PolicySpec(yaml: "optimizer:\n  learningRate: -0.1\n", file: "p.yaml") }.contains("optimizer.learningRate: must be in"))
        #expect(error { _ = try PolicySpec(yaml: "optimizer:\n  batchSize: many\n", file: "p.yaml") }.contains("optimizer.batchSize: expected a whole number, got 'many'"))
        #expect(error { _ = try EnvironmentSpec(yaml: "world:\n  trainPrompts: 0\n", file: "e.yaml") }.contains("world.trainPrompts: must be in 1"))
        #expect(error { _ = try EnvironmentSpec(yaml: "critic: 3\n", file: "e.yaml") }.contains("critic: expected a mapping"))
        #expect(error { _ = try PolicySpec(yaml: "kind: transformer\nmodel:\n  width: 10\n  heads: 4\n", file: "t.yaml") } == "t.yaml:3: model.width: width 10 must be a multiple of heads (4)")
        #expect(error { _ = try EnvironmentSpec(yaml: "critic:\n  mode: lenient\n", file: "e.yaml") }.contains("'lenient' is not one of statistical, bradley-terry"))
    }

    @Test func malformedYAMLNamesTheFile() {
        let m = error { _ = try EnvironmentSpec(yaml: "critic:\n  noise: [1,\n", file: "broken.yaml") }
        #expect(m == "broken.yaml:3:1: not valid YAML: while parsing a flow node (line 3): did not find expected node content", "\(m)")
        let d = error { _ = try EnvironmentSpec(yaml: "name: a\nname: b\n", file: "dup.yaml") }
        #expect(d.hasPrefix("dup.yaml:1:1: not valid YAML: duplicated key(s) name"), "\(d)")
    }

    @Test func namesResolveToFilesThenBuiltIns() throws {
        #expect(error { _ = try SpecResolver.environment("nowhere") }.contains("unknown environment 'nowhere'"))
        #expect(error { _ = try SpecResolver.environment("/tmp/does-not-exist.yaml") } == "environment file '/tmp/does-not-exist.yaml' does not exist")
        #expect(try SpecResolver.policy("tabular").kind == .tabular)
        #expect(try SpecResolver.environment(nil) == EnvironmentSpec())
    }

    @Test func unknownAlgorithmAndEmptySplitAreClearErrors() throws {
        #expect(error { _ = try AlgorithmRegistry.make("ppo", parameters: DefaultParameters(), learningRate: 0.1) } == "unknown algorithm 'ppo'; known: imitation, rwr, dpo, sd, brio")
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 20; env.paraphrase.testPrompts = 5; env.paraphrase.oodPrompts = 5
        let experiment = try Experiment(environment: env, policy: PolicySpec())
        #expect(error { _ = try Comparison(experiment: experiment, algorithms: ["dpo", "ppo"], seedCount: 1) }.contains("unknown learner 'ppo'"))
        #expect(error { _ = try Comparison(experiment: experiment, algorithms: ["dpo"], seedCount: 0) }.contains("--seeds must be at least 1"))
        #expect(error { _ = try EnvironmentSpec(yaml: "world: {testPrompts: 0}\n", file: "e.yaml") } == "e.yaml:1: world.testPrompts: must be in 1...1000000, got 0")
    }

    /// The one-line swap: the mock critic becomes an LLM named by file, or written out in place.
    @Test func anLLMCriticIsOneLineByNameOrInPlace() throws {
        let local = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("llms/local.yaml").path
        let named = try EnvironmentSpec(yaml: "critic: {kind: llm, llm: \(local)}\n", file: "e.yaml")
        let inPlace = try EnvironmentSpec(yaml: """
            critic: {kind: llm, llm: {name: here, baseURL: "http://10.0.0.2:8000/v1", model: qwen, apiKeyVariable: MY_KEY}}
            evaluator: {kind: llm, llm: {model: judge}}
            """, file: "e.yaml")
        guard case .llm(let local) = named.simulated.critic, case .llm(let here) = inPlace.simulated.critic,
              case .separate(.llm(let judge)) = inPlace.simulated.evaluator else { Issue.record("not LLM critics"); return }
        #expect(local.name == "local" && local.endpoint.model == "SmolLM2-135M-Instruct")
        #expect(here.name == "here" && here.endpoint.baseURL == "http://10.0.0.2:8000/v1" && here.endpoint.apiKeyVariable == "MY_KEY")
        #expect(judge.endpoint.model == "judge" && named.paraphrase == EnvironmentSpec().paraphrase)
        #expect(throws: HumorGymError("e.yaml:3: critic.llm.maxTokens: must be in 1...1000000, got 0")) {
            try EnvironmentSpec(yaml: "critic:\n  kind: llm\n  llm: {model: m, maxTokens: 0}\n", file: "e.yaml")
        }
    }
}

/// Every combination each world allows is built from YAML, and every other one is refused at its line.
@Suite struct WorldCombinationTests {
    let llm = "{model: m, baseURL: \"http://127.0.0.1:9/v1\"}"  // never called: building opens no connection
    let small = "trainPrompts: 6, testPrompts: 3, oodPrompts: 3, candidatesPerPrompt: 6"

    func build(_ yaml: String) throws -> Experiment {
        let spec = try EnvironmentSpec(yaml: yaml, file: "e.yaml")
        let generative = yaml.contains("teacher: {kind: llm")
        return try Experiment(environment: spec, policy: generative ? try #require(PolicySpec.builtIn("transformer-tiny")) : PolicySpec())
    }

    func error(_ yaml: String) -> String {
        do { _ = try build(yaml); return "no error" } catch { return "\(error)" }
    }

    @Test func theSimulatedWorldTakesEveryKind() throws {
        for teacher in ["{kind: world}", "{kind: llm, llm: \(llm)}"] {
            for critic in ["{kind: mock}", "{kind: llm, llm: \(llm)}"] {
                for evaluator in ["{kind: gold}", "{kind: critic}", "{kind: mock}", "{kind: llm, llm: \(llm)}"] {
                    let yaml = "world: {\(small)}\nteacher: \(teacher)\ncritic: \(critic)\nevaluator: \(evaluator)\n"
                    let experiment = try build(yaml)
                    guard case .paraphrase(let p) = experiment.environment.world else { Issue.record("not the paraphrase world"); continue }
                    #expect(experiment.gold != nil && experiment.world.prompts(.train).count == 6)
                    #expect(teacher.contains("world") == (p.teacher == .world(.init())), "\(yaml)")
                    #expect(critic.contains("mock") == (p.critic == .mock(.init())), "\(yaml)")
                    switch (evaluator, p.evaluator) {
                    case ("{kind: gold}", .gold), ("{kind: critic}", .critic): break
                    case (_, .separate(.mock)) where evaluator.contains("mock"): break
                    case (_, .separate(.llm)) where evaluator.contains("llm"): break
                    default: Issue.record("\(evaluator) read as \(p.evaluator)")
                    }
                }
            }
        }
        #expect(error("teacher: {kind: corpus}\n") == "e.yaml:1: teacher.kind: a corpus teacher needs the jokes world (world.kind: jokes)")
    }

    @Test func theJokesWorldTakesOnlyWhatNeedsNoGoldJudge() throws {
        let world = "world: {kind: jokes, path: \(Fixtures.jokesFile), trainPrompts: 4, testPrompts: 2, oodPrompts: 2, candidatesPerPrompt: 4}\n"
        let critic = "critic: {kind: llm, llm: \(llm)}\n"
        for teacher in ["{kind: corpus}", "{kind: llm, llm: \(llm)}"] {
            for evaluator in ["{kind: critic}", "{kind: llm, llm: \(llm)}"] {
                let experiment = try build(world + "teacher: \(teacher)\n" + critic + "evaluator: \(evaluator)\n")
                guard case .jokes(let j) = experiment.environment.world else { Issue.record("not the jokes world"); continue }
                #expect(experiment.gold == nil && (j.teacher == .corpus) == teacher.contains("corpus") && (j.evaluator == .critic) == evaluator.contains("critic"))
            }
        }
        #expect(error(world + "teacher: {kind: world}\n" + critic) == "e.yaml:2: teacher.kind: a world teacher needs the paraphrase world; the jokes world has a corpus or an LLM teacher")
        #expect(error(world + "critic: {kind: mock}\n") == "e.yaml:2: critic.kind: a mock critic needs the paraphrase world's gold judge; the jokes world has none: use kind: llm")
        #expect(error(world + critic + "evaluator: {kind: gold}\n") == "e.yaml:3: evaluator.kind: the jokes world has no gold judge; use kind: critic or llm")
        #expect(error(world + critic + "evaluator: {kind: mock}\n") == "e.yaml:3: evaluator.kind: a mock critic needs the paraphrase world's gold judge; the jokes world has none: use kind: llm")
    }
}
