import Foundation
import HumorGymTesting
import LLM
import Teachers
import Testing

/// A small real experiment against a real model: llama.cpp's server with SmolLM2-135M-Instruct, started by
/// `scripts/local-llm start` (`.ci/run` does), which sets nothing: point HUMORGYM_LLM_URL at it, as `.ci/run`
/// does. The model is weak; these check the plumbing and the parsing, not its taste.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["HUMORGYM_LLM_URL"] != nil,
                "set HUMORGYM_LLM_URL to a running server (scripts/local-llm start prints it)"))
struct LocalLLMTests {
    let world: ParaphraseWorld
    let directory: URL

    init() throws {
        world = try HumorGymTesting.smallWorld()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-local-llm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func endpoint(temperature: Double, cache mode: LLMEndpoint.CacheMode) -> LLMEndpoint {
        var e = LLMEndpoint(baseURL: ProcessInfo.processInfo.environment["HUMORGYM_LLM_URL"]!, model: "SmolLM2-135M-Instruct")
        e.temperature = temperature
        e.maxTokens = 96
        e.maxConcurrentRequests = 2
        e.timeout = 120
        e.cache = .init(path: directory.appendingPathComponent("cassette.sqlite").path, mode: mode)
        return e
    }

    /// The teacher writes for 5 prompts; replaying the cassette offline gives the same answers.
    @Test func theTeacherWritesForFivePromptsAndTheCassetteReplaysThem() async throws {
        let prompts = world.prompts(.train).prefix(5).map(\.text.string)
        let client = try LLMClient(endpoint(temperature: 0.8, cache: .readWrite))
        let teacher = LLMTeacher(model: client)
        var answers: [LLMTeacher.Answer] = []
        for prompt in prompts { answers.append(try await teacher.write(prompt, count: 3)) }
        for answer in answers { #expect(answer.outputs.count <= 3 && !(answer.refused && !answer.outputs.isEmpty)) }
        #expect(client.statistics.sent >= 5)
        print("local LLM teacher: \(answers.filter { !$0.outputs.isEmpty }.count) of 5 prompts answered with a list, "
              + "\(answers.filter(\.refused).count) refusals, \(answers.filter(\.unusable).count) unusable; first: \(answers[0].outputs)")

        var offline = endpoint(temperature: 0.8, cache: .replay)
        offline.baseURL = "http://127.0.0.1:9/v1"  // nothing listens there: every answer must come from the cassette
        let replayed = LLMTeacher(model: try LLMClient(offline))
        for (prompt, answer) in zip(prompts, answers) { #expect(try await replayed.write(prompt, count: 3) == answer) }
    }

    /// The critic judges 10 pairs in both orders; the diagnostics count its position flips and abstentions.
    @Test func theCriticJudgesTenPairsInBothOrders() async throws {
        let teacher = WorldTeacher(world: world, seed: 1)
        let pairs = world.prompts(.test).prefix(10).map { prompt in
            let outputs = teacher.outputs(for: prompt, count: 2)
            return PairRequest(prompt: prompt, first: outputs[0], second: outputs[1])
        }
        let client = try LLMClient(endpoint(temperature: 0, cache: .readWrite))
        let critic = LLMCritic(judge: LLMJudge(model: client))
        let d = try await CriticDiagnostics.measure(critic: critic, gold: world.goldJudge, pairs: Array(pairs))
        #expect(d.pairs == 10 && d.abstentions.denominator == 20)
        #expect(client.statistics.answered == 20)
        print("local LLM critic on 10 pairs, both orders: position flips \(d.positionFlips.count)/\(d.positionFlips.denominator), "
              + "abstentions \(d.abstentions.count)/20, agreement with gold \(d.agreement.count)/\(d.agreement.denominator)")
    }
}
