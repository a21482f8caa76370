import Foundation
import Testing

/// A sweep of the small world: 2 seeds x 3 learners (6 learner runs) and 2 warm starts. A slow RWR (96 epochs
/// on 32 samples a prompt: about 6 s a run in a debug build) lasts long enough to be cancelled while it runs.
private func writeSweep(_ cli: CLI, named file: String = "grid.yaml", out: String, slowRWR: Bool = false) throws {
    try cli.write(file, """
        name: grid
        environments: [small.yaml]
        learners:
          imitation:
          \(slowRWR ? "rwr: {epochs: [96], samples: [32]}" : "rwr:")
          dpo: {beta: [1.0]}
        seeds: 2
        seed: 3
        curveEvery: 0
        criticPairs: 20
        out: \(out)
        """)
}

@Suite struct SweepCLITests {
    /// The command-line flow on one machine: plan, three shards named by a Slurm array's variables (so one
    /// command line serves every engine), status, merge; the merged bytes equal one process's.
    @Test func shardsFromSlurmVariablesMergeToTheBytesOfOneProcess() async throws {
        let cli = try CLI()
        try writeSweep(cli, out: "sharded")
        try writeSweep(cli, named: "whole.yaml", out: "whole")
        let plan = try await cli.run(["sweep", "plan", "grid.yaml", "--shards", "3"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out.contains("8 units: 2 warm starts, 6 learner runs; 0 done, 0 failed, 8 missing"), "\(plan.out)")
        #expect(plan.out.contains("dpo/beta=1.0") && plan.out.contains("2/3"))
        for task in 10..<13 {
            let r = try await cli.run(["sweep", "run", "grid.yaml"],
                                      environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "3"])
            #expect(r.status == 0, "\(r.err)")
            #expect(r.out.contains("shard \(task - 10)/3, all:"), "\(r.out)")
        }
        let status = try await cli.run(["sweep", "status", "grid.yaml"])
        #expect(status.out.contains("8 done, 0 failed, 0 missing") && status.out.contains("nothing left to run"), "\(status.out)")
        // What each unit runs, as JSON lines: a learner with its resolved hyperparameters.
        let json = try await cli.run(["sweep", "plan", "grid.yaml", "--json", "--shards", "3"])
        let lines = json.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 8 && lines.allSatisfy { $0["state"] as? String == "done" && $0["seconds"] is Double })
        let beta = try #require(lines.first { $0["learner"] as? String == "dpo/beta=1.0" })
        #expect((beta["hyperparameters"] as? [String: String])?["beta"] == "1.0" && beta["kind"] as? String == "learners")
        #expect(lines.filter { $0["kind"] as? String == "warm-starts" }.map { $0["shard"] as? String } == ["0/3", "1/3"])
        let merged = try await cli.run(["sweep", "merge", "grid.yaml"])
        #expect(merged.status == 0 && merged.out.contains("wrote sharded/results.json"), "\(merged.err)")
        #expect(try await cli.run(["sweep", "run", "whole.yaml"]).status == 0)
        #expect(try await cli.run(["sweep", "merge", "whole.yaml"]).status == 0)
        for file in ["results.json", "results.csv", "small/log-linear/results.json", "small/log-linear/outcomes.json"] {
            #expect(try cli.contents("sharded/" + file) == cli.contents("whole/" + file), "\(file) differs")
        }
        // Run again: nothing left to do.
        let again = try await cli.run(["sweep", "run", "grid.yaml", "--shard", "0/1"])
        #expect(again.out.contains("0 done now, 8 done before"), "\(again.out)")
    }

    /// Bad input: a clear message with the place, and a non-zero exit.
    @Test(arguments: [
        (["sweep", "run", "grid.yaml", "--shard", "3/3"], "shards are counted from 0 to 2"),
        (["sweep", "run", "grid.yaml", "--shards", "4"], "JOB_COMPLETION_INDEX"),
        (["sweep", "merge", "grid.yaml"], "8 of 8 units are not done"),
        (["sweep", "submit", "grid.yaml"], "--slurm"),
        (["sweep", "plan", "missing.yaml"], "sweep file 'missing.yaml' does not exist"),
        (["sweep", "plan", "typo.yaml"], "typo.yaml:2: sedes: unknown key"),
    ])
    func badInputFailsClearly(arguments: [String], message: String) async throws {
        let cli = try CLI()
        try writeSweep(cli, out: "out")
        try cli.write("typo.yaml", "learners: [rwr]\nsedes: 3\n")
        let r = try await cli.run(arguments)
        #expect(r.status != 0)
        #expect(r.err.contains(message), "\(r.err)")
    }

    /// `--print-only` writes both job arrays' scripts, calling this binary on this sweep file from this folder.
    @Test func submitPrintOnlyWritesTheScripts() async throws {
        let cli = try CLI()
        try writeSweep(cli, out: "out")
        let r = try await cli.run(["sweep", "submit", "grid.yaml", "--slurm", "--print-only", "--shards", "3", "--cpus-per-task", "2",
                                   "--time", "0:30:00", "--array-parallelism", "2"])
        #expect(r.status == 0, "\(r.err)")
        let learners = String(decoding: try cli.contents("out/slurm/learners.sbatch"), as: UTF8.self)
        let warmStarts = String(decoding: try cli.contents("out/slurm/warm-starts.sbatch"), as: UTF8.self)
        #expect(learners.contains("#SBATCH --array=0-2%2") && warmStarts.contains("#SBATCH --array=0-1%2"))
        #expect(learners.contains("#SBATCH --time=0:30:00") && learners.contains("--part learners --jobs 2"))
        #expect(learners.contains("sweep run '\(cli.directory.resolvingSymlinksInPath().path)/grid.yaml'")
            || learners.contains("sweep run '\(cli.directory.path)/grid.yaml'"), "\(learners)")
        #expect(r.out.contains("sbatch --dependency=afterany:$id"))
    }
}

/// A real single-node Slurm (`export SLURM_CONF=$(bash scripts/local-slurm start)`; `.ci/run` does): the sweep
/// goes through sbatch as two job arrays, and what they leave merges to the bytes of one process.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SLURM_CONF"] != nil,
                "start a local Slurm: export SLURM_CONF=$(bash scripts/local-slurm start)"),
       .serialized)
struct SlurmSweepTests {
    /// Runs a Slurm command; its standard output.
    static func slurm(_ command: String, _ arguments: [String]) throws -> String {
        let process = Process(), out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The two job ids `sweep submit` printed.
    static func jobs(_ out: String) throws -> (warmStarts: String, learners: String) {
        let words = out.split(whereSeparator: { !$0.isNumber }).map(String.init)
        return (try #require(words.first), try #require(words.dropFirst().first))
    }

    /// Waits until none of `jobs` is pending or running.
    static func wait(for jobs: [String], timeout: Duration = .seconds(900)) async throws {
        let clock = ContinuousClock(), end = clock.now + timeout
        while try !slurm("squeue", ["-h", "-j", jobs.joined(separator: ",")]).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            #expect(clock.now < end, "jobs \(jobs) still queued after \(timeout)")
            if clock.now >= end { return }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    @Test func aSweepOnSlurmMergesToTheBytesOfOneProcess() async throws {
        let cli = try CLI()
        try writeSweep(cli, out: "slurm")
        try writeSweep(cli, named: "whole.yaml", out: "whole")
        let submitted = try await cli.run(["sweep", "submit", "grid.yaml", "--slurm", "--shards", "3"])
        #expect(submitted.status == 0, "\(submitted.err)")
        let ids = try Self.jobs(submitted.out)
        try await Self.wait(for: [ids.warmStarts, ids.learners])
        // The learner array had 3 tasks, each ran its shard.
        let logs = try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("slurm/slurm").path)
        #expect(logs.filter { $0.hasPrefix("learners-\(ids.learners)_") }.count == 3, "\(logs)")
        let merged = try await cli.run(["sweep", "merge", "grid.yaml"])
        #expect(merged.status == 0, "\(merged.err)")
        #expect(try await cli.run(["sweep", "run", "whole.yaml"]).status == 0)
        #expect(try await cli.run(["sweep", "merge", "whole.yaml"]).status == 0)
        for file in ["results.json", "results.csv", "small/log-linear/results.json"] {
            #expect(try cli.contents("slurm/" + file) == cli.contents("whole/" + file), "\(file) differs")
        }
    }

    /// An array task cancelled while it runs leaves its units missing, never half-written; submitting again
    /// runs only those, and the sweep ends with the same bytes.
    @Test func aCancelledTaskIsResubmittedAndTheSweepEndsWithTheSameBytes() async throws {
        let cli = try CLI()
        // Task 1 of the learner array runs both seeds' RWR (positions 1 and 4 of 3 shards), seconds each.
        try writeSweep(cli, out: "slurm", slowRWR: true)
        try writeSweep(cli, named: "whole.yaml", out: "whole", slowRWR: true)
        let submitted = try await cli.run(["sweep", "submit", "grid.yaml", "--slurm", "--shards", "3", "--array-parallelism", "1"])
        #expect(submitted.status == 0, "\(submitted.err)")
        let ids = try Self.jobs(submitted.out)
        // Cancel the learner array's task 1 as soon as it runs.
        let task = "\(ids.learners)_1", clock = ContinuousClock(), end = clock.now + .seconds(600)
        while true {
            let state = try Self.slurm("scontrol", ["show", "job", task])
            if state.contains("JobState=RUNNING") { break }
            try #require(!state.contains("JobState=COMPLETED") && !state.contains("JobState=FAILED"), "task \(task) ended before it could be cancelled: \(state)")
            try #require(clock.now < end, "task \(task) never ran")
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try Self.slurm("scancel", [task])
        try await Self.wait(for: [ids.warmStarts, ids.learners])
        let state = try Self.slurm("scontrol", ["show", "job", task])
        #expect(state.contains("JobState=CANCELLED"), "\(state)")
        let status = try await cli.run(["sweep", "status", "grid.yaml"])
        #expect(status.out.contains("missing  small/log-linear/"), "\(status.out)")
        #expect(try await cli.run(["sweep", "merge", "grid.yaml"]).status != 0)
        let again = try await cli.run(["sweep", "submit", "grid.yaml", "--slurm", "--shards", "3"])
        let retry = try Self.jobs(again.out)
        try await Self.wait(for: [retry.warmStarts, retry.learners])
        #expect(try await cli.run(["sweep", "merge", "grid.yaml"]).status == 0)
        #expect(try await cli.run(["sweep", "run", "whole.yaml"]).status == 0)
        #expect(try await cli.run(["sweep", "merge", "whole.yaml"]).status == 0)
        for file in ["results.json", "results.csv", "small/log-linear/results.json"] {
            #expect(try cli.contents("slurm/" + file) == cli.contents("whole/" + file), "\(file) differs")
        }
    }
}
