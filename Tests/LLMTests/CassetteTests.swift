import Experiments
import Foundation
import HumorGym
import LLM
import Testing

/// A cassette committed next to its test: SmolLM2-135M-Instruct's real answers for a small jokes experiment,
/// replayed offline, so the experiment is deterministic and needs no server. Anything that changes a request
/// (a template, the student's samples) makes the replay miss, and the error names the request; record again with
///     HUMORGYM_RECORD_CASSETTES=1 HUMORGYM_LLM_URL=$(bash scripts/local-llm start) swift test --filter CassetteTests
/// When only the results' layout changes (not a request), rewrite the expected results from the same answers with
///     HUMORGYM_RECORD_CASSETTES=results swift test --filter CassetteTests
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
            structured: json-schema
            timeout: 120
            cache: {path: \(cassette), mode: \(recording ? "record" : "replay")}
            """, file: "smollm2.yaml")
        let env = LLMExperimentTests.jokes(critic: llm, prompts: (4, 2, 2), samples: 1)
        let policy = try PolicySpec(yaml: "algorithms:\n  dpo: {epochs: 4}\n", file: "one-round.yaml")
        let experiment = try Experiment(environment: env, policy: policy)
        let report = try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 1).run().report
        let json = try ResultsWriter.json(report)
        if recording || environment["HUMORGYM_RECORD_CASSETTES"] == "results" { try json.write(to: expected) }
        // The same answers give the same report; the recording machine's CPU may have had OpenBLAS pick other
        // kernels, so numbers agree to rounding (on one machine the bytes are equal: the determinism tests).
        let difference = try Self.difference(JSONSerialization.jsonObject(with: json), JSONSerialization.jsonObject(with: Data(contentsOf: expected)))
        #expect(difference == nil, "the replayed report differs from the recorded one: \(difference ?? "")")
        let sent = try #require(experiment.llms.openClient(llm)).statistics.sent
        #expect(recording ? sent > 0 : sent == 0)
        #expect(report.runs.allSatisfy { $0.metrics["test"]!.abstentions != nil && $0.metrics["test"]!.gold == nil })
    }

    /// Where two JSON values differ (nil: nowhere), numbers within a relative 1e-9.
    static func difference(_ a: Any, _ b: Any, at path: String = "$") -> String? {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            guard Set(x.keys) == Set(y.keys) else { return "\(path): keys \(x.keys.sorted()) vs \(y.keys.sorted())" }
            return x.keys.sorted().lazy.compactMap { difference(x[$0]!, y[$0]!, at: "\(path).\($0)") }.first
        case let (x as [Any], y as [Any]):
            guard x.count == y.count else { return "\(path): \(x.count) vs \(y.count) items" }
            return zip(x, y).enumerated().lazy.compactMap { difference($1.0, $1.1, at: "\(path)[\($0)]") }.first
        case let (x as String, y as String): return x == y ? nil : "\(path): \(x) vs \(y)"
        case let (x as NSNumber, y as NSNumber):
            let (u, v) = (x.doubleValue, y.doubleValue)
            return abs(u - v) <= 1e-9 * max(1, abs(u), abs(v)) ? nil : "\(path): \(u) vs \(v)"
        case (is NSNull, is NSNull): return nil
        default: return "\(path): \(a) vs \(b)"
        }
    }
}
