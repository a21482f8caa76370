import Experiments
import Foundation
import HumorGym
import LLM
import Testing

/// A cassette committed next to its test: SmolLM2-135M-Instruct's real answers for a small jokes experiment,
/// replayed offline, so the experiment is deterministic and needs no server. Anything that changes a request
/// (a template, the student's samples) makes the replay miss, and the error names the request; record again with
///     HUMORGYM_RECORD_CASSETTES=1 HUMORGYM_LLM_URL=$(bash scripts/local-llm start) swift test --filter CassetteTests
@Suite struct CassetteTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Cassettes")

    @Test func aRealJudgesJokesExperimentReplaysOfflineFromItsCassette() async throws {
        let environment = ProcessInfo.processInfo.environment
        let recording = environment["HUMORGYM_RECORD_CASSETTES"] == "1"
        let url = recording ? try #require(environment["HUMORGYM_LLM_URL"], "recording needs the real server") : "http://127.0.0.1:9/v1"
        let cassette = Self.directory.appendingPathComponent("jokes-smollm2.sqlite").path
        let expected = Self.directory.appendingPathComponent("jokes-smollm2.results.json")
        if recording {
            for file in [cassette, expected.path] where FileManager.default.fileExists(atPath: file) { try FileManager.default.removeItem(atPath: file) }
        }
        let llm = try LLMSpec(yaml: """
            name: smollm2
            baseURL: \(url)
            model: SmolLM2-135M-Instruct
            maxTokens: 64
            timeout: 120
            cache: {path: \(cassette), mode: \(recording ? "record" : "replay")}
            """, file: "smollm2.yaml")
        let env = LLMExperimentTests.jokes(critic: llm, prompts: (4, 2, 2), samples: 1)
        let policy = try PolicySpec(yaml: "algorithms:\n  dpo: {rounds: 1}\n", file: "one-round.yaml")
        let experiment = try Experiment(environment: env, policy: policy)
        let report = try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 1).run()
        let json = try ResultsWriter.json(report)
        if recording { try json.write(to: expected) }
        #expect(json == (try Data(contentsOf: expected)))
        let sent = try #require(experiment.llmClient(llm)).statistics.sent
        #expect(recording ? sent > 0 : sent == 0)
        #expect(report.runs.allSatisfy { $0.metrics["test"]!.abstentions != nil && $0.metrics["test"]!.gold == nil })
    }
}
