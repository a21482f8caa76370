import Foundation
import Synchronization
import Testing

/// Runs the `humorgym` binary as a user would, in a scratch directory removed afterwards.
final class CLI {
    static let binary: URL? = {
        if let path = ProcessInfo.processInfo.environment["HUMORGYM_BINARY"] { return URL(fileURLWithPath: path) }
        // `swift test` runs the test bundle from the build directory, where the executable is built too.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("humorgym")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    let directory: URL

    deinit { try? FileManager.default.removeItem(at: directory) }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
        name: small
        world:
          trainPrompts: 60
          testPrompts: 20
          oodPrompts: 20
          candidatesPerPrompt: 16
        """.write(to: directory.appendingPathComponent("small.yaml"), atomically: true, encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// The binary's (or `executable`'s) exit status and output.
    func run(_ arguments: [String], environment: [String: String] = [:], executable: URL? = nil) async throws -> (status: Int32, out: String, err: String) {
        try await withProcess(arguments, environment: environment, executable: executable) { process in
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            // Standard error on its own thread, so that neither pipe can fill up while the other is read.
            let errData = Mutex(Data()), errRead = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                errData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() }
                errRead.signal()
            }
            let outData = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            errRead.wait()
            return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.withLock { $0 }, as: UTF8.self))
        }
    }

    /// `body` with the binary set up to run `arguments` in the scratch directory, on a thread of its own: a test
    /// blocking one of the few cooperative threads would stall every other async test of the run (on 2 cores,
    /// two of them).
    private func withProcess<T: Sendable>(_ arguments: [String], environment: [String: String] = [:], executable: URL? = nil,
                                          _ body: @escaping @Sendable (Process) throws -> T) async throws -> T {
        let binary = try executable ?? #require(Self.binary, "the humorgym binary was not found beside the tests; run `swift build` first or set HUMORGYM_BINARY")
        let directory = directory
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = binary
                    process.arguments = arguments
                    process.currentDirectoryURL = directory
                    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
                    return try body(process)
                })
            }
        }
    }

    func contents(_ path: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(path)) }

    /// Runs the binary and kills it (SIGKILL, no chance to clean up) once its standard output contains
    /// `marker`; returns whether it was killed before finishing.
    func kill(_ arguments: [String], whenOutputContains marker: String) async throws -> Bool {
        try await withProcess(arguments) { process in
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var seen = Data()
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }  // end of output: the run finished first
                seen.append(chunk)
                if String(decoding: seen, as: UTF8.self).contains(marker) {
                    Foundation.kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    return true
                }
            }
            process.waitUntilExit()
            return false
        }
    }
}

@Suite struct CLITests {
    @Test func twoProcessesWriteByteIdenticalResults() async throws {
        let cli = try CLI()
        let args = ["compare", "--env", "small.yaml", "--algorithms", "imitation,dpo", "--seeds", "2", "--seed", "11", "--quiet"]
        // GSL's environment variables must not reach the generators: HumorGym seeds explicitly.
        let a = try await cli.run(args + ["--out", "a"])
        let b = try await cli.run(args + ["--out", "b"], environment: ["GSL_RNG_SEED": "123", "GSL_RNG_TYPE": "taus"])
        #expect(a.status == 0 && b.status == 0, "\(a.err)\(b.err)")
        #expect(a.out.contains("dpo") && a.out.contains("WTR"))
        #expect(try cli.contents("a/results.json") == cli.contents("b/results.json"))
        #expect(try cli.contents("a/results.csv") == cli.contents("b/results.csv"))
        // Every file of the folder (report, figures, per-prompt outcomes, steps, pairs) but the timings.
        let files = try FileManager.default.subpathsOfDirectory(atPath: cli.directory.appendingPathComponent("a").path).sorted()
        #expect(files.contains("report.html") && files.contains("figures/curve-gold.csv") && files.contains { $0.hasSuffix("dpo/pairs.jsonl") })
        for file in files where file != "timings.json" {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("a/" + file).path, isDirectory: &isDirectory),
                  !isDirectory.boolValue else { continue }
            #expect(try cli.contents("a/" + file) == cli.contents("b/" + file), "\(file) differs between two processes")
        }
        #expect(try cli.contents("a/timings.json") != cli.contents("b/timings.json"))  // the machine's facts live apart
        let json = try JSONSerialization.jsonObject(with: cli.contents("a/results.json")) as! [String: Any]
        #expect((json["runs"] as! [Any]).count == 4)
    }

    @Test func runReproducesTheFirstSeedOfCompare() async throws {
        let cli = try CLI()
        let r = try await cli.run(["run", "--env", "small.yaml", "--algorithm", "rwr", "--seed", "5", "--policy", "log-linear"])
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.first?["phase"] as? String == "warm-start")
        let train = lines.filter { $0["phase"] as? String == "train" && $0["algorithm"] as? String == "rwr" }
        #expect(!train.isEmpty)
        // Every training step carries its round and the round's mean critic reward as it is printed.
        #expect(train.allSatisfy { ($0["values"] as? [String: Any]).map { $0["round"] != nil && $0["reward_mean"] != nil } ?? false })
        let final = try #require(lines.last)
        #expect(final["phase"] as? String == "evaluation")
        let c = try await cli.run(["compare", "--env", "small.yaml", "--algorithms", "rwr", "--seeds", "1", "--seed", "5", "--out", "c", "--quiet"])
        #expect(c.status == 0, "\(c.err)")
        let compared = try JSONSerialization.jsonObject(with: cli.contents("c/results.json")) as! [String: Any]
        let run = (compared["runs"] as! [[String: Any]])[0]
        #expect(NSDictionary(dictionary: run["metrics"] as! [String: Any]) == NSDictionary(dictionary: final["metrics"] as! [String: Any]))
    }

    /// `run --out` writes a results folder with its report; `report` rebuilds the report from the folder alone;
    /// `export` writes TRL's formats, which Python's json reads back and checks against the run's pairs.
    @Test func runOutReportAndExportWork() async throws {
        let cli = try CLI()
        let r = try await cli.run(["run", "--env", "small.yaml", "--algorithm", "dpo", "--seed", "5", "--out", "r", "--curve-every", "2"])
        #expect(r.status == 0, "\(r.err)")
        let final = try JSONSerialization.jsonObject(with: Data(r.out.split(separator: "\n").last!.utf8)) as! [String: Any]
        let results = try JSONSerialization.jsonObject(with: cli.contents("r/results.json")) as! [String: Any]
        #expect(results["schemaVersion"] as? Int == 2)
        let run = (results["runs"] as! [[String: Any]])[0]
        #expect(NSDictionary(dictionary: run["metrics"] as! [String: Any]) == NSDictionary(dictionary: final["metrics"] as! [String: Any]))
        let report = try cli.contents("r/report.html")
        try FileManager.default.removeItem(at: cli.directory.appendingPathComponent("r/report.html"))
        let rebuilt = try await cli.run(["report", "r"])
        #expect(rebuilt.status == 0 && rebuilt.out.contains("wrote r/report.html"), "\(rebuilt.err)")
        #expect(try cli.contents("r/report.html") == report)

        let preference = try await cli.run(["export", "r", "--format", "trl-preference"])
        let sft = try await cli.run(["export", "r", "--format", "trl-sft", "--out", "sft/teacher.jsonl"])
        #expect(preference.status == 0 && sft.status == 0, "\(preference.err)\(sft.err)")
        try cli.write("check.py", """
            import glob, json, sys
            rows = [json.loads(line) for line in open("r/trl-preference.jsonl")]
            pairs = [json.loads(line) for line in open(glob.glob("r/runs/seed-*/dpo/pairs.jsonl")[0])]
            assert len(rows) == len(pairs) > 0, (len(rows), len(pairs))
            for row, pair in zip(rows, pairs):
                assert set(row) == {"prompt", "chosen", "rejected", "probability", "seed", "learner"}, row
                assert (row["prompt"], row["chosen"], row["rejected"], row["probability"]) == (pair["prompt"], pair["chosen"], pair["rejected"], pair["probability"])
                assert row["chosen"] != row["rejected"] and 0.5 <= row["probability"] <= 1 and row["learner"] == "dpo"
            sft = [json.loads(line) for line in open("sft/teacher.jsonl")]
            demonstrations = [json.loads(line) for line in open(glob.glob("r/runs/seed-*/demonstrations.jsonl")[0])]
            assert [(s["prompt"], s["completion"]) for s in sft] == [(d["prompt"], d["completion"]) for d in demonstrations]
            assert len({s["prompt"] for s in sft}) == 60 and all(s["completion"].strip() for s in sft)
            print(len(rows), len(sft))
            """)
        let check = try await cli.run(["python3", "check.py"], executable: URL(fileURLWithPath: "/usr/bin/env"))
        #expect(check.status == 0, "\(check.err)")

        let missing = try await cli.run(["report", "nowhere"])
        #expect(missing.status == 1 && missing.err.contains("nowhere/results.json: no such file"), "\(missing.err)")
        let wrongLearner = try await cli.run(["export", "r", "--format", "trl-preference", "--learner", "rwr"])
        #expect(wrongLearner.status == 1 && wrongLearner.err.contains("no learner 'rwr' in this folder; it has dpo"), "\(wrongLearner.err)")
    }

    /// In a terminal (a pseudo terminal from `script`), compare shows a status line on standard error; in a pipe,
    /// or with --quiet, it prints what it always did and nothing more.
    @Test func progressShowsOnlyInATerminal() async throws {
        let cli = try CLI()
        let binary = try #require(CLI.binary)
        let args = "compare --env small.yaml --algorithms imitation,dpo --seeds 2"
        let terminal = try await cli.run(["-qfec", "\(binary.path) \(args) --out t", "/dev/null"], executable: URL(fileURLWithPath: "/usr/bin/script"))
        #expect(terminal.status == 0, "\(terminal.err)")
        // What a person sees: the status redrawn in place (seed of how many, learner, epoch of how many, time; redrawn at most
        // five times a second, so only the first frame and those after each finished run are sure), and each run's line for good.
        #expect(terminal.out.contains("\r\u{1B}[2Kseed ") && terminal.out.contains("/2 warm start epoch 1/4 · "), "\(terminal.out.prefix(600))")
        #expect(terminal.out.contains("elapsed, ~") && terminal.out.contains(" left"))
        #expect(terminal.out.contains("imitation  test WTR"))
        let piped = try await cli.run(["compare", "--env", "small.yaml", "--algorithms", "imitation,dpo", "--seeds", "2", "--out", "p"])
        #expect(piped.status == 0 && !piped.err.contains("\u{1B}") && !piped.err.contains("elapsed"), "\(piped.err)")
        #expect(piped.err.split(separator: "\n").count == 4 && piped.err.split(separator: "\n").allSatisfy { $0.contains("test WTR") })
        let quiet = try await cli.run(["-qfec", "\(binary.path) \(args) --out q --quiet", "/dev/null"], executable: URL(fileURLWithPath: "/usr/bin/script"))
        #expect(quiet.status == 0 && !quiet.out.contains("\u{1B}[2K") && !quiet.out.contains("test WTR"), "\(quiet.out.prefix(400))")
    }

    @Test func reproduceWritesTheTablesAndSkipsWhatItFinished() async throws {
        let cli = try CLI()
        let args = ["reproduce", "--env", "small.yaml", "--seeds", "2", "--only", "table2,table6", "--out", "r"]
        let first = try await cli.run(args)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("wrote r/report.html, reproduce.md and results.json"))
        #expect(try cli.contents("r/report.html").count > 10_000)
        let markdown = try cli.contents("r/reproduce.md")
        #expect(String(decoding: markdown, as: UTF8.self).contains("| BRIO-DPO (brio-dpo) | 56 |"))
        let results = try cli.contents("r/results.json")
        let again = try await cli.run(args)
        #expect(again.status == 0 && again.err.contains("done before") && !again.err.contains(": done ("), "\(again.err)")
        #expect(try cli.contents("r/results.json") == results && again.out == first.out)
        let bad = try await cli.run(["reproduce", "--env", "small.yaml", "--only", "table5", "--out", "r2"])
        #expect(bad.status == 1 && bad.err.hasPrefix("error: --only: unknown table 'table5'; known: table1, table2"), "\(bad.err)")
    }

    @Test func theTabularStudentRunsEndToEnd() async throws {
        let cli = try CLI()
        let r = try await cli.run(["compare", "--env", "small.yaml", "--policy", "tabular", "--seeds", "2", "--out", "t", "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("policy tabular, 2 seed(s)"))
    }

    @Test func theSameSeedWritesByteIdenticalTransformerCheckpoints() async throws {
        let cli = try CLI()
        try cli.write("tiny.yaml", """
        kind: transformer
        model: {context: 40, width: 16, layers: 1, heads: 2}
        sampling: {maxResponseTokens: 12, beams: 2}
        warmStart: {epochs: 1}
        algorithms:
          dpo: {epochs: 1, samples: 3}
        """)
        let args = ["run", "--env", "small.yaml", "--policy", "tiny.yaml", "--algorithm", "dpo", "--seed", "3"]
        // The second process runs the batches' shards on two threads: the same bits.
        let a = try await cli.run(args + ["--checkpoint", "a/model.safetensors"])
        let b = try await cli.run(args + ["--checkpoint", "b/model.safetensors", "--threads", "2"])
        #expect(a.out == b.out)
        #expect(a.status == 0 && b.status == 0, "\(a.err)\(b.err)")
        let first = try cli.contents("a/model.safetensors")
        #expect(first.count > 1000)
        #expect(first == (try cli.contents("b/model.safetensors")))
        let log = try await cli.run(["run", "--env", "small.yaml", "--algorithm", "dpo", "--checkpoint", "c.safetensors"])
        #expect(log.status == 1 && log.err == "error: --checkpoint saves students with a file format (transformer and llama students); policy 'log-linear' has none\n", "\(log.err)")
    }

    /// Killed in the warm start, in the learner's second round, or in the second round of a chain's second
    /// stage, a run resumed from its training state ends exactly as the run that never stopped: the same
    /// evaluation and a byte-identical model (with dropout on).
    @Test(arguments: [("rwr", "\"epoch\":2,\"grad_norm\""), ("rwr", "\"round\":2"), ("rwr->sd", "\"round\":2}}")])
    func aKilledRunResumesExactly(algorithm: String, killAt marker: String) async throws {
        let cli = try CLI()
        try cli.write("tiny.yaml", """
        kind: transformer
        model: {context: 40, width: 16, layers: 1, heads: 2, dropout: 0.1}
        sampling: {maxResponseTokens: 12, beams: 2}
        optimizer: {batchSize: 16}
        warmStart: {epochs: 3}
        algorithms:
          rwr: {epochs: 3, feedbackEvery: 1, samples: 2}
          sd: {epochs: 2, feedbackEvery: 1, samples: 3, maxLengthRatio: 0}
        """)
        let args = ["run", "--env", "small.yaml", "--policy", "tiny.yaml", "--algorithm", algorithm, "--seed", "5"]
        let full = try await cli.run(args + ["--checkpoint", "full.safetensors"])
        #expect(full.status == 0, "\(full.err)")
        #expect(try await cli.kill(args + ["--state", "state/run.safetensors"], whenOutputContains: marker))
        let resumed = try await cli.run(args + ["--state", "state/run.safetensors", "--resume", "--checkpoint", "resumed.safetensors"])
        #expect(resumed.status == 0, "\(resumed.err)")
        let finalLine = { (out: String) in out.split(separator: "\n").last.map(String.init) }
        #expect(finalLine(resumed.out) == finalLine(full.out))
        #expect(try cli.contents("resumed.safetensors") == cli.contents("full.safetensors"))
        // The resumed run printed the steps the killed one had not finished, each as the full run did.
        let fullLines = Set(full.out.split(separator: "\n"))
        #expect(resumed.out.split(separator: "\n").allSatisfy(fullLines.contains))

        let other = try await cli.run(["run", "--env", "small.yaml", "--policy", "tiny.yaml", "--algorithm", algorithm, "--seed", "6",
                                 "--state", "state/run.safetensors", "--resume"])
        #expect(other.status == 1 && other.err.contains("belongs to another run (seed 5, algorithm \(algorithm),"), "\(other.err)")
        let missing = try await cli.run(args + ["--state", "nowhere.safetensors", "--resume"])
        #expect(missing.status == 1 && missing.err.contains("cannot read training state nowhere.safetensors"), "\(missing.err)")
        let noState = try await cli.run(args + ["--resume"])
        #expect(noState.status == 1 && noState.err.contains("--resume needs --state FILE"), "\(noState.err)")
        let withOut = try await cli.run(args + ["--state", "state/run.safetensors", "--resume", "--out", "o"])
        #expect(withOut.status == 1 && withOut.err.contains("--out cannot be given with --resume"), "\(withOut.err)")
    }

    /// LLM commands fail clearly offline: an unknown LLM, a typo in its file, and a replay-only cassette that is not there.
    @Test func llmCommandsFailClearly() async throws {
        let cli = try CLI()
        try cli.write("typo.yaml", "model: m\nbaseURL: http://127.0.0.1:9/v1\nretires: 3\n")
        try cli.write("replay.yaml", "model: m\nbaseURL: http://127.0.0.1:9/v1\ncache: {path: empty.sqlite, mode: replay}\n")
        let unknown = try await cli.run(["judge", "--llm", "nowhere", "--prompt", "p", "--first", "a", "--second", "b"])
        #expect(unknown.status == 1 && unknown.err.contains("unknown LLM 'nowhere'"), "\(unknown.err)")
        let typo = try await cli.run(["teach", "--llm", "typo.yaml", "--prompt", "p"])
        #expect(typo.status == 1 && typo.err.contains("typo.yaml:3: retires: unknown key"), "\(typo.err)")
        let miss = try await cli.run(["judge", "--llm", "replay.yaml", "--prompt", "I am tired.", "--first", "a", "--second", "b"])
        #expect(miss.status == 1 && miss.err.contains("no recorded answers at empty.sqlite to replay"), "\(miss.err)")
    }

    /// Against the real local server, when there is one (`.ci/run` starts it).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["HUMORGYM_LLM_URL"] != nil))
    func llmCommandsWorkAgainstARealServer() async throws {
        let cli = try CLI()
        let url = ProcessInfo.processInfo.environment["HUMORGYM_LLM_URL"]!
        try cli.write("real.yaml", "model: SmolLM2-135M-Instruct\nbaseURL: \(url)\nmaxTokens: 64\ntimeout: 120\ncache: {path: cache.sqlite}\n")
        let judge = try await cli.run(["judge", "--llm", "real.yaml", "--prompt", "I am tired.", "--first", "I am tired.",
                                 "--second", "My battery is at one percent."])
        #expect(judge.status == 0 && judge.out.contains("averaged over both orders"), "\(judge.err)")
        let teach = try await cli.run(["teach", "--llm", "real.yaml", "--prompt", "I am always late."])
        #expect([0, 1].contains(teach.status) && (teach.status == 0 ? teach.out.hasPrefix("1. ") : teach.err.contains("the teacher")), "\(teach.err)")
        let d = try await cli.run(["diagnose-critic", "--env", "small.yaml", "--critic", "real.yaml", "--pairs", "2"])
        #expect(d.status == 0 && d.out.contains("abstentions") && d.out.contains("position flips") && d.out.contains("judge card: llm"), "\(d.err)")
        #expect(d.out.contains("  cost ") && d.out.contains("LLM calls to llm"), "\(d.out)")

        // A small real experiment on human jokes, judged by the real model; again, it is answered from the cache alone.
        try cli.write("jokes.yaml", """
            world: {kind: jokes, path: \(Self.jokesFile), trainPrompts: 4, testPrompts: 2, oodPrompts: 1}
            critic: {kind: llm, llm: real.yaml}
            evaluation: {samplesPerPrompt: 1}
            """)
        try cli.write("one-round.yaml", "algorithms:\n  dpo: {epochs: 4}\n")
        let compare = ["compare", "--env", "jokes.yaml", "--policy", "one-round.yaml", "--algorithms", "dpo", "--seeds", "1"]
        let c = try await cli.run(compare + ["--out", "first"])
        #expect(c.status == 0 && c.out.contains("teacher: 1.00 outputs per prompt") && c.out.contains("dpo "), "\(c.err)")
        try cli.write("offline.yaml", "model: SmolLM2-135M-Instruct\nbaseURL: http://127.0.0.1:9/v1\nmaxTokens: 64\ncache: {path: cache.sqlite, mode: replay}\n")
        try cli.write("jokes.yaml", """
            world: {kind: jokes, path: \(Self.jokesFile), trainPrompts: 4, testPrompts: 2, oodPrompts: 1}
            critic: {kind: llm, llm: offline.yaml}
            evaluation: {samplesPerPrompt: 1}
            """)
        let again = try await cli.run(compare + ["--out", "again"])
        // The same results; what the calls took differs (the second run's answers all came from the cache) and lives apart.
        func results(_ out: String) -> String { String(out[..<(out.range(of: "LLM calls to")?.lowerBound ?? out.endIndex)]) }
        #expect(again.status == 0 && results(again.out) == results(c.out), "\(again.err)")
        #expect(try cli.contents("again/results.json") == cli.contents("first/results.json"))
        let usage = try JSONSerialization.jsonObject(with: cli.contents("again/llm-usage.json")) as! [String: Any]
        let total = ((usage["servers"] as! [[String: Any]])[0]["total"] as! [String: Any])["usage"] as! [String: Any]
        #expect(total["answers"] as! Int == 0 && total["cacheHits"] as! Int > 0)
    }

    /// A dry run sends nothing: its LLM answers nowhere (port 9), and it still counts what a run would send; a
    /// command that asks no LLM says so; nothing is written.
    @Test func aDryRunCountsWithoutSendingOrWriting() async throws {
        let cli = try CLI()
        try cli.write("nowhere.yaml", "model: m\nbaseURL: http://127.0.0.1:9/v1\nretries: 0\ncache: {path: cache.sqlite}\n")
        let d = try await cli.run(["diagnose-critic", "--env", "small.yaml", "--critic", "nowhere.yaml", "--pairs", "3", "--dry-run"])
        #expect(d.status == 0 && d.out.hasPrefix("dry run: nothing was sent"), "\(d.err)")
        // The first prompt's 3 outputs make 3 pairs, (a, b), (a, c), (b, c): 6 verdicts and the scores of a and b (a's
        // asked once); no repeats at temperature 0, no self-preference for the world teacher.
        #expect(d.out.contains("  critic             8           0   exact") && d.out.contains("no estimate"), "\(d.out)")
        try cli.write("llm-critic.yaml", """
            world: {trainPrompts: 20, testPrompts: 5, oodPrompts: 5, candidatesPerPrompt: 8}
            critic: {kind: llm, llm: nowhere.yaml}
            """)
        let c = try await cli.run(["compare", "--env", "llm-critic.yaml", "--algorithms", "dpo", "--seeds", "1", "--dry-run", "--out", "out"])
        // DPO asks its critic every 4 of its 16 epochs: from the second round on, the count is an estimate.
        #expect(c.status == 0 && c.out.contains("  critic ") && c.out.contains("  evaluator ") && c.out.contains("an estimate"), "\(c.err)\(c.out)")
        let r = try await cli.run(["reproduce", "--env", "llm-critic.yaml", "--only", "table1", "--seeds", "1", "--dry-run", "--quiet", "--out", "rep"])
        #expect(r.status == 0 && r.out.contains("  critic            30           0   exact"), "\(r.err)\(r.out)")  // 15 test pairs, both orders
        for written in ["out", "rep", "cache.sqlite"] { #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent(written).path)) }
        let mock = try await cli.run(["run", "--env", "small.yaml", "--algorithm", "dpo", "--dry-run"])
        #expect(mock.status == 0 && mock.out == "dry run: this command asks no LLM anything; nothing would be sent\n", "\(mock.out)")
    }

    static let jokesFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/official-joke-api/jokes.json").path

    @Test func sampleAndDiagnoseCriticWork() async throws {
        let cli = try CLI()
        let s = try await cli.run(["sample", "--env", "small.yaml", "--count", "2", "--algorithm", "dpo"])
        #expect(s.status == 0, "\(s.err)")
        #expect(s.out.components(separatedBy: "prompt: ").count == 3 && s.out.contains("student (dpo)"))
        let d = try await cli.run(["diagnose-critic", "--env", "small.yaml", "--json"])
        #expect(d.status == 0, "\(d.err)")
        let json = try JSONSerialization.jsonObject(with: Data(d.out.utf8)) as! [String: Any]
        #expect(((json["diagnostics"] as! [String: Any])["agreement"] as! [String: Any])["denominator"] as! Int > 0)
        // The judge card: P(first), variance over 3 repeats, self-preference (the mock shares the world teacher's taste).
        #expect(((json["diagnostics"] as! [String: Any])["prefersFirst"] as! [String: Any])["ci95"] is [Double])
        #expect((json["repeats"] as! [String: Any])["repeats"] as! Int == 3 && json["selfPreference"] is [String: Any])
        #expect(json["cost"] == nil && (json["pointwise"] as! [String: Any])["count"] as! Int > 0)
        // Against people, from the example file the project ships; a bad file names its line.
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/human-pairs/example.jsonl").path
        let h = try await cli.run(["diagnose-critic", "--env", "small.yaml", "--human-pairs", example])
        #expect(h.status == 0 && h.out.contains("on 12 human pairs from") && h.out.contains("95% (Wilson)"), "\(h.err)\(h.out)")
        #expect(h.out.contains("  always the first") && h.out.contains("  a coin") && !h.out.contains("on humor"), "\(h.out)")
        try cli.write("bad.jsonl", "{\"first\": \"a\", \"second\": \"b\", \"preferred\": 1}\n{\"first\": \"a\", \"second\": \"b\", \"preferred\": \"both\"}\n")
        let bad = try await cli.run(["diagnose-critic", "--env", "small.yaml", "--human-pairs", "bad.jsonl"])
        #expect(bad.status == 1 && bad.err.contains("error: bad.jsonl:2: 'preferred' must be 1, 2"), "\(bad.err)")
    }

    @Test(arguments: [
        (["compare", "--env", "typo.yaml"], "typo.yaml:3: critic.nosie: unknown key"),
        (["compare", "--env", "nan-env.yaml"], "nan-env.yaml:2: critic.noise: must be a finite number, got '.nan'"),
        (["compare", "--policy", "nan-policy.yaml"], "nan-policy.yaml:3: algorithms.dpo.beta: must be a finite number"),
        (["compare", "--policy", "negative.yaml"], "negative.yaml:2: optimizer.learningRate: must be in"),
        (["compare", "--env", "broken.yaml"], "broken.yaml:2:1: not valid YAML: while parsing a flow node"),
        (["compare", "--env", "empty-split.yaml"], "empty-split.yaml:3: world.testPrompts: must be in 1"),
        (["compare", "--env", "small.yaml", "--algorithms", "imitation,ppo"], "unknown learner 'ppo'"),
        (["compare", "--env", "small.yaml", "--algorithms", "imitation,brio->ppo"], "unknown learner 'ppo' in the chain 'brio->ppo'"),
        (["compare", "--env", "small.yaml", "--policy", "bad-chain.yaml"], "bad-chain.yaml:3: algorithms.mine.chain: unknown learner 'ppo' in the chain"),
        (["compare", "--env", "small.yaml", "--policy", "no-stages.yaml"], "no-stages.yaml:3: algorithms.mine.chain: 'mine' is not a learner"),
        (["compare", "--env", "small.yaml", "--policy", "bad-loss.yaml"], "bad-loss.yaml:3: algorithms.dpo.loss: 'square' is not one of sigmoid, ipo, hinge, robust"),
        (["run", "--env", "small.yaml", "--policy", "stage-loss.yaml", "--algorithm", "brio-dpo"], "stage-loss.yaml:3: algorithms.brio-dpo.dpo.loss: 'square' is not one of"),
        (["compare", "--env", "nowhere"], "unknown environment 'nowhere'"),
        (["compare", "--env", "small.yaml", "--seeds", "0"], "--seeds must be at least 1"),
        (["run", "--env", "small.yaml", "--algorithm", "ppo"], "unknown learner 'ppo'"),
        (["compare", "--env", "small.yaml", "--algorithms", "dpo,dpo"], "--algorithms names 'dpo' twice"),
        (["compare", "--env", "small.yaml", "--out", "/proc/humorgym"], "cannot create output directory '/proc/humorgym'"),
        (["compare", "--env", "jokes-mock.yaml"], "jokes-mock.yaml:1: critic.kind: a mock critic needs the paraphrase world's gold judge"),
        (["compare", "--env", "jokes-nowhere.yaml"], "cannot read the joke file /nowhere/jokes.json"),
    ])
    func badInputIsAClearErrorAndANonZeroExit(arguments: [String], message: String) async throws {
        let cli = try CLI()
        try cli.write("typo.yaml", "critic:\n  noise: 1\n  nosie: 2\n")
        try cli.write("nan-env.yaml", "critic:\n  noise: .nan\n")
        try cli.write("nan-policy.yaml", "algorithms:\n  dpo:\n    beta: .nan\n")
        try cli.write("negative.yaml", "optimizer:\n  learningRate: -0.01\n")
        try cli.write("broken.yaml", "world: [1,\n")
        try cli.write("empty-split.yaml", "world:\n  trainPrompts: 10\n  testPrompts: 0\n")
        try cli.write("jokes-mock.yaml", "critic: {kind: mock}\nworld: {kind: jokes}\n")
        try cli.write("jokes-nowhere.yaml", "world: {kind: jokes, path: /nowhere/jokes.json}\ncritic: {kind: llm, llm: x.yaml}\n")
        try cli.write("x.yaml", "model: m\n")
        try cli.write("bad-chain.yaml", "algorithms:\n  mine:\n    chain: [brio, ppo]\n")
        try cli.write("no-stages.yaml", "algorithms:\n  mine:\n    beta: 0.1\n")
        try cli.write("bad-loss.yaml", "algorithms:\n  dpo:\n    loss: square\n")
        try cli.write("stage-loss.yaml", "algorithms:\n  brio-dpo:\n    dpo: {loss: square}\n")
        let r = try await cli.run(arguments)
        #expect(r.status == 1)
        #expect(r.err.hasPrefix("error: ") && r.err.split(separator: "\n").count == 1, "one line: \(r.err)")
        #expect(r.err.contains(message), "stderr: \(r.err)")
        #expect(!r.err.contains("Fatal error") && !r.err.contains("crashed"))
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("runs").path))
    }

    @Test func aBadFlagValueIsAUsageError() async throws {
        let r = try await CLI().run(["sample", "--split", "validation"])
        #expect(r.status == 64)  // EX_USAGE, from the argument parser
        #expect(r.err.contains("validation") && r.err.contains("--split"), "stderr: \(r.err)")
    }
}
