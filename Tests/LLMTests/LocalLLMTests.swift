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

    /// The constrained judge (the JSON schema, as `llms/local.yaml` asks) judges 20 pairs in both orders and
    /// abstains on fewer than 5% of its 40 verdicts; the diagnostics count its position flips beside.
    @Test func theConstrainedCriticJudgesTwentyPairsWithoutAbstaining() async throws {
        let pairs = pairs(20)
        var e = endpoint(temperature: 0, cache: .readWrite)
        e.structured = .jsonSchema
        let client = try LLMClient(e)
        let critic = LLMCritic(judge: LLMJudge(model: client))
        let d = try await CriticDiagnostics.measure(critic: critic, gold: world.goldJudge, pairs: pairs)
        #expect(d.pairs == 20 && d.abstentions.denominator == 40)
        #expect(d.abstentions.count < 2, "abstained on \(d.abstentions.count) of 40")
        #expect(client.statistics.answered == 40 && client.usage[.other]!.promptTokens > 0)
        print("local LLM critic (JSON schema) on 20 pairs, both orders: abstentions \(d.abstentions.count)/40, position flips "
              + "\(d.positionFlips.count)/\(d.positionFlips.denominator), P(first) \(d.prefersFirst.count)/\(d.prefersFirst.denominator), "
              + "agreement with gold \(d.agreement.count)/\(d.agreement.denominator)")
    }

    /// The server takes the judge's GBNF grammar, and every answer under it is a verdict; so are the pointwise
    /// critic's scores under the schema.
    @Test func theGrammarAndThePointwiseSchemaAreTakenAndAnswered() async throws {
        var e = endpoint(temperature: 0, cache: .readWrite)
        e.structured = .grammar
        let grammar = LLMCritic(judge: LLMJudge(model: try LLMClient(e)))
        let verdicts = try await grammar.compareBothOrders(pairs(3)).flatMap { [$0.forward, $0.backward] }
        #expect(verdicts.allSatisfy { $0.verdict != .abstain }, "\(verdicts.map(\.reason))")
        e.structured = .jsonSchema
        let pointwise = LLMCritic(judge: LLMJudge(model: try LLMClient(e)))
        let scores = try await pointwise.scoresOrAbstentions(pairs(5).map { Example(prompt: $0.prompt, response: $0.first) })
        #expect(scores.allSatisfy { $0 != nil && (1...10).contains($0!) }, "\(scores)")
    }

    func pairs(_ count: Int) -> [PairRequest] {
        let teacher = WorldTeacher(world: world, seed: 1)
        return world.prompts(.test).prefix(count).map { prompt in
            let outputs = teacher.outputs(for: prompt, count: 2)
            return PairRequest(prompt: prompt, first: outputs[0], second: outputs[1])
        }
    }
}
