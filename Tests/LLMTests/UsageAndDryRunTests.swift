import Chat
import Critics
import Experiments
import Foundation
import HumorGym
import LLM
import Testing
import Worlds

/// The cost of LLM calls, counted from the server's `usage` by role and priced; a budget in money; and a dry
/// run that counts what a run would send without sending it.
@Suite struct UsageAndDryRunTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-usage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func endpoint(_ server: ScriptedServer, cache: Bool = true) -> LLMEndpoint {
        var e = LLMEndpoint(baseURL: server.baseURL, model: "scripted")
        e.backoff = 0.01
        e.maxConcurrentRequests = 1
        if cache { e.cache = .init(path: directory.appendingPathComponent("cache.sqlite").path) }
        return e
    }

    static func answer(_ body: String) -> ScriptedServer.Reply {
        .tokens([("Answer: ", []), (LLMExperimentTests.hash(body) % 2 == 0 ? "1" : "2", [])], usage: (prompt: 100, completion: 4))
    }

    @Test func tokensAreCountedByRoleAndPriced() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ScriptedServer { _, body in Self.answer(body) }
        defer { server.stop() }
        var e = endpoint(server)
        e.prices = LLMPrices(prompt: 0.5, completion: 2)  // per million tokens
        let client = try LLMClient(e)
        let critic = LLMJudge(model: client.model(for: .critic)), evaluator = LLMJudge(model: client.model(for: .evaluator))
        _ = try await critic.compare(prompt: "p", first: "a", second: "b")
        _ = try await critic.compare(prompt: "p", first: "b", second: "a")
        _ = try await evaluator.compare(prompt: "p", first: "a", second: "b")  // the critic's question again: from the cache
        _ = try await evaluator.compare(prompt: "q", first: "a", second: "b")
        let usage = client.usage
        #expect(usage[.critic]?.answers == 2 && usage[.critic]?.cacheHits == 0 && usage[.critic]?.promptTokens == 200 && usage[.critic]?.completionTokens == 8)
        #expect(usage[.evaluator]?.answers == 1 && usage[.evaluator]?.cacheHits == 1 && usage[.evaluator]?.hitRatio == 0.5)
        #expect(usage[.teacher] == nil)
        // 300 prompt tokens at 0.5 and 12 completion tokens at 2 per million.
        #expect(abs(client.spent - (300 * 0.5 + 12 * 2) / 1e6) < 1e-15)
    }

    /// Reaching the budget in money stops the run cleanly: the error says so, and every answer so far is kept.
    @Test func aCostBudgetStopsSendingAndKeepsWhatWasAnswered() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ScriptedServer { _, body in Self.answer(body) }
        defer { server.stop() }
        var e = endpoint(server)
        e.prices = LLMPrices(prompt: 10_000, completion: 0)  // 1.0 an answer of 100 prompt tokens
        e.costBudget = 2
        let judge = LLMJudge(model: try LLMClient(e))
        _ = try await judge.compare(prompt: "p", first: "a", second: "b")
        _ = try await judge.compare(prompt: "p", first: "b", second: "a")
        await #expect(throws: LLMError.costBudgetExhausted(budget: 2, spent: 2)) {
            _ = try await judge.compare(prompt: "p", first: "c", second: "a")
        }
        #expect(server.received.count == 2)
        let again = LLMJudge(model: try LLMClient(endpoint(server)))  // a new run: the answers are in the cache
        _ = try await again.compare(prompt: "p", first: "b", second: "a")
        #expect(server.received.count == 2)
    }

    /// A dry run sends nothing; equal requests count once; what the cache holds is answered from it.
    @Test func aDryRunCountsAndSendsNothing() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ScriptedServer { _, body in Self.answer(body) }
        defer { server.stop() }
        _ = try await LLMJudge(model: try LLMClient(endpoint(server))).compare(prompt: "p", first: "a", second: "b")
        let dryRun = LLMDryRun()
        let client = try LLMClient(endpoint(server), dryRun: dryRun)
        let judge = LLMJudge(model: client.model(for: .critic))
        let cached = try await judge.compare(prompt: "p", first: "a", second: "b")
        let madeUp = try await judge.compare(prompt: "p", first: "b", second: "a")
        _ = try await judge.compare(prompt: "p", first: "b", second: "a")
        #expect(cached.verdict != .abstain && madeUp.verdict == .abstain)
        #expect(server.received.count == 1)
        #expect(dryRun.count.toSend == [.critic: 1] && dryRun.count.fromCache == [.critic: 1] && dryRun.count.estimated.isEmpty)
        // The evaluator's question after a made-up answer may depend on it: an estimate.
        _ = try await LLMJudge(model: client.model(for: .evaluator)).compare(prompt: "q", first: "a", second: "b")
        #expect(dryRun.count.estimated == [.evaluator] && dryRun.count.toSend == [.critic: 1, .evaluator: 1])
        // So is the critic's in a second round of feedback.
        _ = try await FeedbackRound.$current.withValue(2) { try await judge.compare(prompt: "r", first: "a", second: "b") }
        #expect(dryRun.count.estimated == [.critic, .evaluator])
    }

    /// A static-feedback comparison with an LLM critic: the dry run's count of the critic's requests is exact,
    /// and the real run then sends exactly that many for it; the evaluation's (the critic's mean score of what the
    /// students learnt) is an estimate, and says so.
    @Test func aDryRunsCountIsWhatTheRealRunSends() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ScriptedServer { n, body in LLMExperimentTests.judge(n, body) }
        defer { server.stop() }
        let llm = try LLMSpec(yaml: "name: scripted\nbaseURL: \(server.baseURL)\nmodel: m\nretries: 0\ncache: {path: \(directory.path)/cache.sqlite}\n",
                              file: "scripted.yaml")
        var env = EnvironmentSpec()
        var paraphrase = ParaphraseEnvironment()
        paraphrase.world.trainPrompts = 12
        paraphrase.world.testPrompts = 4
        paraphrase.world.oodPrompts = 2
        paraphrase.critic = .llm(llm)
        env.world = .paraphrase(paraphrase)
        let policy = try PolicySpec(yaml: "algorithms:\n  dpo: {epochs: 2, feedbackEvery: 2}\n  rwr: {epochs: 1}\n", file: "static.yaml")
        let dry = try Experiment(environment: env, policy: policy, llms: LLMClientPool(dryRun: true))
        _ = try await Comparison(experiment: dry, algorithms: ["dpo", "rwr"], seedCount: 1).run()
        let count = try #require(dry.llms.open.first?.client.dryRun).count
        #expect(server.received.isEmpty && count.fromCache.isEmpty && count.estimated == [.evaluator])
        let toSend = count.toSend[.critic] ?? 0
        #expect(toSend > 0 && count.toSend.keys.sorted() == [.critic, .evaluator])

        let real = try Experiment(environment: env, policy: policy)
        _ = try await Comparison(experiment: real, algorithms: ["dpo", "rwr"], seedCount: 1).run()
        let usage = try #require(real.llms.open.first).client.usage
        #expect(usage[.critic]?.answers == toSend)
        #expect(server.received.count == toSend + usage[.evaluator]!.answers)
        // Run dry again: the critic's calls (equal ones too) are all answered from the cache now.
        let again = try Experiment(environment: env, policy: policy, llms: LLMClientPool(dryRun: true))
        _ = try await Comparison(experiment: again, algorithms: ["dpo", "rwr"], seedCount: 1).run()
        let recount = try #require(again.llms.open.first?.client.dryRun).count
        #expect(recount.toSend[.critic] == nil && recount.fromCache[.critic] == toSend + usage[.critic]!.cacheHits)
    }
}
