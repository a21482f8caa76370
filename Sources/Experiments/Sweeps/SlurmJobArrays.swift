import Foundation
import HumorGym

/// A sweep as Slurm job arrays, one per kind of unit it has, each waiting for the one before: the LLM
/// teachers (if any), the warm starts, the learner runs (`--dependency=afterany`: a learner run whose warm
/// start failed trains it itself, and a unit that cannot run says why, so nothing waits forever). Every task
/// runs the same `humorgym sweep run FILE --part P`, which reads its shard from the array's variables:
/// nothing inside a unit knows about Slurm.
public struct SlurmJobArrays: Sendable {
    public struct Options: Sendable {
        public var partition: String?
        public var time: String?
        public var cpusPerTask: Int
        public var arrayParallelism: Int?
        /// Tasks of the learner-run array; nil: one per learner run.
        public var shards: Int?

        public init(partition: String? = nil, time: String? = nil, cpusPerTask: Int = 1, arrayParallelism: Int? = nil, shards: Int? = nil) {
            self.partition = partition
            self.time = time
            self.cpusPerTask = cpusPerTask
            self.arrayParallelism = arrayParallelism
            self.shards = shards
        }
    }

    public let sweep: Sweep
    /// The sweep file, the binary and the working directory, absolute: a task runs on another node, later.
    public let sweepFile: String
    public let binary: String
    public let directory: String
    public let threads: Int
    public let options: Options

    public init(sweep: Sweep, sweepFile: String, binary: String, threads: Int = 1, options: Options,
                directory: String = FileManager.default.currentDirectoryPath) throws {
        guard options.cpusPerTask >= 1 else { throw HumorGymError("--cpus-per-task must be at least 1, got \(options.cpusPerTask)") }
        if let k = options.arrayParallelism, k < 1 { throw HumorGymError("--array-parallelism must be at least 1, got \(k)") }
        if let n = options.shards, n < 1 { throw HumorGymError("--shards must be at least 1, got \(n)") }
        for (name, value) in [("--partition", options.partition), ("--time", options.time)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "'" }) {
                throw HumorGymError("\(name) '\(value)': expected one word")
            }
        }
        // sbatch splits an #SBATCH line at spaces and reads quotes itself: a value holding them would not survive.
        for (what, value) in [("the sweep's name", sweep.spec.name), ("the working directory", directory), ("the sweep's out folder", sweep.spec.out)] {
            if value.contains(where: { $0.isWhitespace || "'\"\\".contains($0) }) {
                throw HumorGymError("\(what) '\(value)' holds a space, a quote or a backslash, which Slurm's #SBATCH lines cannot carry; rename it")
            }
        }
        self.sweep = sweep
        self.directory = directory
        self.sweepFile = sweepFile.hasPrefix("/") ? sweepFile : URL(fileURLWithPath: directory).appendingPathComponent(sweepFile).standardized.path
        self.binary = binary
        self.threads = threads
        self.options = options
    }

    /// `out/slurm`, absolute.
    var folder: String {
        let out = sweep.spec.out.hasPrefix("/") ? sweep.spec.out : URL(fileURLWithPath: directory).appendingPathComponent(sweep.spec.out).standardized.path
        return "\(out)/slurm"
    }

    /// The array tasks of `part`: one per unit of that kind, or for the learner runs at most `shards`.
    public func tasks(_ part: Sweep.Part) -> Int {
        let units = sweep.units.filter { $0.kind == part }.count
        return part == .learners ? min(options.shards ?? units, units) : units
    }

    /// The kinds of unit the sweep has, in the order their arrays run.
    public var parts: [Sweep.Part] { Sweep.Part.kinds.filter { tasks($0) > 0 } }

    /// The `sbatch` script of `part`'s array.
    public func script(_ part: Sweep.Part) -> String {
        let tasks = tasks(part)
        var lines = ["#!/bin/bash", "# Written by `humorgym sweep submit`: task I of this array runs shard I of the sweep's \(part.rawValue).",
                     "#SBATCH --job-name=humorgym-\(sweep.spec.name)-\(part.rawValue)",
                     "#SBATCH --array=0-\(tasks - 1)\(options.arrayParallelism.map { "%\($0)" } ?? "")",
                     "#SBATCH --cpus-per-task=\(options.cpusPerTask)",
                     "#SBATCH --chdir=\(directory)",
                     "#SBATCH --output=\(folder)/\(part.rawValue)-%A_%a.out"]
        if let partition = options.partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time = options.time { lines.append("#SBATCH --time=\(time)") }
        lines += ["set -euo pipefail",
                  "exec \(Self.quoted(binary)) sweep run \(Self.quoted(sweepFile)) --part \(part.rawValue) --jobs \(options.cpusPerTask) --threads \(threads)"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes each array's script into `out/slurm`: `PART.sbatch`, in the order they run.
    public func write() throws -> [(part: Sweep.Part, script: String)] {
        try ResultsWriter.prepare(directory: folder)
        return try parts.map { part in
            try ResultsWriter.write(Data(script(part).utf8), named: "\(part.rawValue).sbatch", in: folder)
            return (part, "\(folder)/\(part.rawValue).sbatch")
        }
    }

    /// Submits the scripts `write()` wrote, each after the one before; the job ids.
    public func submit(_ scripts: [(part: Sweep.Part, script: String)]) throws -> [(part: Sweep.Part, job: String)] {
        var jobs: [(part: Sweep.Part, job: String)] = []
        for (part, script) in scripts {
            jobs.append((part, try Self.sbatch((jobs.last.map { ["--dependency=afterany:\($0.job)"] } ?? []) + [script])))
        }
        return jobs
    }

    /// The shell line that submits `scripts` by hand, as ``submit(_:)`` would.
    public static func commandLine(_ scripts: [(part: Sweep.Part, script: String)]) -> String {
        scripts.enumerated().map { index, entry in
            let dependency = index == 0 ? "" : "--dependency=afterany:$id "
            return index == scripts.count - 1 ? "sbatch \(dependency)\(quoted(entry.script))" : "id=$(sbatch --parsable \(dependency)\(quoted(entry.script)))"
        }.joined(separator: " && ")
    }

    /// Runs `sbatch --parsable ARGUMENTS`; the job id, or its error.
    static func sbatch(_ arguments: [String]) throws -> String {
        let process = Process(), out = Pipe(), err = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable"] + arguments
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw HumorGymError("cannot run sbatch: \(error.localizedDescription)") }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // --parsable prints "id" or "id;cluster".
        let id = output.split(separator: "\n").first.map { String($0.split(separator: ";")[0]) } ?? ""
        guard process.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw HumorGymError("sbatch \(arguments.joined(separator: " ")) failed (exit \(process.terminationStatus)): \(problem.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return id
    }

    /// `text` in single quotes for the shell.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
