import Foundation
import HumorGym

/// A sweep as two Slurm job arrays: the warm starts, then the learner runs, which wait for them
/// (`--dependency=afterany`: a learner run whose warm start failed trains it itself, so nothing waits
/// forever). Every task runs the same `humorgym sweep run FILE --part P`, which reads its shard from the
/// array's variables: nothing inside a unit knows about Slurm.
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

    /// The array tasks of `part`: at most one per unit of that part.
    public func tasks(_ part: Sweep.Part) -> Int {
        let units = sweep.units.filter { part == .warmStarts ? $0.isWarmStart : !$0.isWarmStart }.count
        return part == .warmStarts ? units : min(options.shards ?? units, units)
    }

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

    /// Writes both scripts into `out/slurm`; their paths.
    public func write() throws -> (warmStarts: String, learners: String) {
        try ResultsWriter.prepare(directory: folder)
        for part in [Sweep.Part.warmStarts, .learners] {
            try ResultsWriter.write(Data(script(part).utf8), named: "\(part.rawValue).sbatch", in: folder)
        }
        return ("\(folder)/warm-starts.sbatch", "\(folder)/learners.sbatch")
    }

    /// Submits the scripts `write()` wrote; the two job ids.
    public func submit(_ scripts: (warmStarts: String, learners: String)) throws -> (warmStarts: String, learners: String) {
        let first = try Self.sbatch([scripts.warmStarts])
        return (first, try Self.sbatch(["--dependency=afterany:\(first)", scripts.learners]))
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
