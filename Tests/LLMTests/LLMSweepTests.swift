import Experiments
import Foundation
import HumorGym
import LLM
import Teachers
import Testing

/// A sweep with a live LLM teacher and critic (the scripted server on loopback, answering each call anew as a
/// sampling LLM would): shards record in cache files of their own, the warm start's teacher data is asked
/// once by a unit of its own and read by every other unit, the shards' caches merge into one, and replayed from
/// the merged cache a sharded sweep equals one process byte for byte.
@Suite struct LLMSweepTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-llm-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Answers that change from call to call: the teacher's list and the judge's verdict depend on the call's number.
    static func live(_ n: Int, _ body: String) -> ScriptedServer.Reply {
        if body.contains("funny punchlines") {
            return .answer(["1. The wall, obviously.\n2. Dam!", "1. Nobody knows.\n2. A zebra, of course.", "1. Dam!\n2. The wall."][n % 3])
        }
        let h = LLMExperimentTests.hash(body) &+ UInt64(n)
        if body.contains("Score: N") { return .answer("Witty enough. Score: \(h % 10 + 1)") }
        return .answer(["Answer: 1", "Answer: 2"][Int(h % 2)])
    }

    func sweep(out: String, llm: LLMSpec) throws -> Sweep {
        var spec = try SweepSpec(yaml: "name: live\nlearners: [imitation, rwr]\nseeds: 2\ncurveEvery: 0\nout: \(directory.path)/\(out)\n", file: "live.yaml")
        spec.environments = [LLMExperimentTests.jokes(critic: llm, prompts: (6, 3, 2), samples: 1,
                                                       teacher: .llm(LLMTeacherSpec(llm: llm, settings: .init(template: LLMTeacher.punchlineTemplate))),
                                                       teacherOutputs: 2)]
        spec.policies = [try LLMExperimentTests.tinyTransformer()]
        return try Sweep(spec)
    }

    @Test func shardsRecordApartAndReplayedFromTheMergedCacheEqualOneProcess() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ScriptedServer(Self.live)
        defer { server.stop() }
        let cache = directory.appendingPathComponent("cache.sqlite").path
        let llm = try LLMSpec(yaml: "name: live\nbaseURL: \(server.baseURL)\nmodel: m\nretries: 0\ncache: {path: \(cache), mode: read-write}\n", file: "live.yaml")
        let live = try sweep(out: "live", llm: llm)

        // The teacher's unit asks the teacher once for every unit: before it, the others refuse to start.
        let early = try await live.run(shard: try Shard(index: 0, count: 2), part: .warmStarts)
        #expect(early.failed.count == 1 && early.failed.allSatisfy { $0.error.contains("the LLM teacher's unit (jokes/teacher) has not run") }, "\(early.failed)")
        _ = try await live.run(shard: try Shard(index: 0, count: 1), part: .teacher)
        let teacherCalls = server.received.filter { $0.body.contains("funny punchlines") }.count
        #expect(teacherCalls == 11)  // each of the 11 setups once
        #expect(FileManager.default.fileExists(atPath: cache))
        for i in 0..<2 { #expect(try await live.run(shard: try Shard(index: i, count: 2), part: .warmStarts).failed.isEmpty) }
        for i in 0..<3 { #expect(try await live.run(shard: try Shard(index: i, count: 3), part: .learners).failed.isEmpty) }
        #expect(server.received.filter { $0.body.contains("funny punchlines") }.count == teacherCalls)
        let liveReport = try live.merge()
        #expect(liveReport.cells.count == 1)

        // The teacher's part was one shard: it wrote the LLM's cache itself, which every later shard read; the
        // other parts' shards recorded in files of their own, and `cache merge` gathers them into it.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("cache.") && $0.contains("-of-") }.sorted()
        #expect(names == ["cache.learners-0-of-3.sqlite", "cache.learners-1-of-3.sqlite", "cache.learners-2-of-3.sqlite",
                          "cache.warm-starts-0-of-2.sqlite", "cache.warm-starts-1-of-2.sqlite"])
        let merged = try ResponseCache(path: cache)
        #expect(try merged.count == 11)
        var recorded = 0, gathered = 0
        for name in names {
            let file = try ResponseCache(path: directory.appendingPathComponent(name).path, readOnly: true)
            let m = try merged.merge(from: file)
            recorded += try file.count
            gathered += m.added + m.same + m.conflicts.count
        }
        let total = try merged.count
        #expect(recorded > 0 && gathered == recorded && total <= 11 + recorded)

        // Replayed from the merged cache, three shards and one process write the same bytes, and ask nothing.
        let asked = server.received.count
        let sharded = try sweep(out: "sharded", llm: llm), whole = try sweep(out: "whole", llm: llm)
        for i in 0..<3 {
            let failed = try await sharded.run(shard: try Shard(index: i, count: 3), replay: true).failed
            #expect(failed.isEmpty, "\(failed)")
        }
        #expect(try await whole.run(replay: true).failed.isEmpty)
        _ = try sharded.merge()
        _ = try whole.merge()
        for file in ["results.json", "results.csv", "jokes/tiny/results.json", "jokes/tiny/samples.json"] {
            let a = try Data(contentsOf: directory.appendingPathComponent("sharded/" + file))
            #expect(a == (try Data(contentsOf: directory.appendingPathComponent("whole/" + file))), "\(file) differs")
        }
        #expect(server.received.count == asked)
    }
}
