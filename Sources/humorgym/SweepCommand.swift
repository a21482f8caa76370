import ArgumentParser
import Experiments
import Foundation
import HumorGym

struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "A grid of environments, policies, learners with their hyperparameters, and seeds, cut into units that run anywhere and merge into one result.",
        subcommands: [Plan.self, RunUnits.self, Status.self, Merge.self, Submit.self])

    /// The sweep file every subcommand takes.
    struct FileOption: ParsableArguments {
        @Argument(help: "The sweep file (YAML; sweeps/dpo-beta.yaml lists every key).")
        var file: String

        @Option(help: "Threads for each neural student's batches (transformer, llama; the results are the same for any count).")
        var threads = 1

        func sweep() throws -> Sweep {
            guard (1...256).contains(threads) else { throw HumorGymError("--threads must be in 1...256, got \(threads)") }
            return try Sweep(SweepSpec(contentsOf: file), threads: threads)
        }
    }

    /// `--shard I/N`, else the job engine's variables (with `--shards N` for a Kubernetes Indexed Job), else all.
    struct ShardOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Run shard I of N (I from 0). Default: the Slurm array task's, or JOB_COMPLETION_INDEX of --shards, or every unit.",
                                   valueName: "I/N"))
        var shard: String?

        @Option(help: ArgumentHelp("The number of shards, for a Kubernetes Indexed Job (its completions); the index is JOB_COMPLETION_INDEX.", valueName: "N"))
        var shards: Int?

        func resolve() throws -> Shard {
            if let shard { return try Shard(shard) }
            return try Shard.fromEnvironment(ProcessInfo.processInfo.environment, shards: shards) ?? .all
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the units of work, what is done, and an estimate of what is left.")
        @OptionGroup var sweep: FileOption
        @Option(help: ArgumentHelp("Show each unit's shard when the sweep is cut into N.", valueName: "N"))
        var shards = 1
        @Flag(help: "One JSON object a line per unit: what it runs (a learner with its resolved hyperparameters), its shard, its state.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                let sweep = try sweep.sweep(), shards = try Shard(index: 0, count: shards).count
                let plan = SweepPlan(sweep: sweep, states: try sweep.states())
                if json { return try plan.lines(shards: shards).forEach(printJSONLine) }
                print(plan.render(shards: shards), terminator: "")
            }
        }
    }

    struct RunUnits: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run",
            abstract: "Run the units of a shard (all of them by default) that are not done; each is written whole when it ends.")
        @OptionGroup var sweep: FileOption
        @OptionGroup var shard: ShardOptions
        @Option(help: "Which units: all, teacher, warm-starts or learners (each kind runs after the one before).")
        var part = Sweep.Part.all
        @Option(help: "Units run at once; the results do not depend on it.")
        var jobs = 2
        @Flag(help: "Every LLM answers only from its cache (after `humorgym cache merge`); a request it lacks fails its unit.")
        var replay = false

        func run() async throws {
            try await reportingErrors {
                guard jobs >= 1 else { throw HumorGymError("--jobs must be at least 1, got \(jobs)") }
                let sweep = try sweep.sweep(), shard = try shard.resolve()
                try ResultsWriter.prepare(directory: sweep.spec.out)
                let summary = try await sweep.run(shard: shard, part: part, jobs: jobs, replay: replay) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
                print("shard \(shard), \(part.rawValue): \(summary.finished.count) done now, \(summary.doneBefore.count) done before, \(summary.failed.count) failed")
                // What this process's LLM calls took, on stderr, and in a file of its own per shard and part.
                try summary.llms.report(directory: "\(sweep.spec.out)/llm-usage/\(part.rawValue)-\(shard.index)-of-\(shard.count)",
                                        toStandardError: true)
                guard summary.failed.isEmpty else {
                    for (unit, error) in summary.failed { FileHandle.standardError.write(Data("failed: \(sweep.label(of: unit)): \(error)\n".utf8)) }
                    throw ExitCode(1)
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Which units are done, which failed (with the error) and which are missing.")
        @OptionGroup var sweep: FileOption

        func run() async throws {
            try await reportingErrors {
                let sweep = try sweep.sweep()
                print(SweepPlan(sweep: sweep, states: try sweep.states()).status(), terminator: "")
            }
        }
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gather every unit into results.json and results.csv for the grid, and each environment and policy's results folder.")
        @OptionGroup var sweep: FileOption

        func run() async throws {
            try await reportingErrors {
                let sweep = try sweep.sweep()
                let report = try sweep.merge()
                for cell in report.cells {
                    print("\(cell.environment) / \(cell.policy)")
                    print(ReportTable.render(try ResultsFolder.read(from: "\(sweep.spec.out)/\(cell.folder)").report))
                }
                print("wrote \(sweep.spec.out)/results.json and results.csv, and a results folder for each of: \(report.cells.map(\.folder).joined(separator: ", "))")
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit the sweep to Slurm: a job array per kind of unit (LLM teachers, warm starts, learner runs), each waiting for the one before.")
        @OptionGroup var sweep: FileOption
        @Flag(help: "Submit to Slurm with sbatch (the one engine submit knows).")
        var slurm = false
        @Option(help: "Slurm partition.") var partition: String?
        @Option(help: "Time limit of each array task, as sbatch takes it (1:00:00).") var time: String?
        @Option(help: "CPUs of each array task; its units run that many at once.") var cpusPerTask = 1
        @Option(help: "Array tasks running at once (sbatch's %K).") var arrayParallelism: Int?
        @Option(help: ArgumentHelp("Array tasks of learner runs (shards); default one per learner run.", valueName: "N"))
        var shards: Int?
        @Flag(help: "Write the scripts without submitting them.") var printOnly = false

        func run() async throws {
            try await reportingErrors {
                guard slurm else { throw HumorGymError("submit needs an engine: --slurm (or run `humorgym sweep run FILE --shard I/N` under any other)") }
                let sweep = try sweep.sweep()
                let arrays = try SlurmJobArrays(sweep: sweep, sweepFile: self.sweep.file, binary: try Self.binary(), threads: self.sweep.threads,
                                                options: .init(partition: partition, time: time, cpusPerTask: cpusPerTask,
                                                               arrayParallelism: arrayParallelism, shards: shards))
                let scripts = try arrays.write()
                guard !printOnly else {
                    print("wrote \(scripts.map(\.script).joined(separator: ", ")); submit them with:")
                    print("  " + SlurmJobArrays.commandLine(scripts))
                    return
                }
                let jobs = try arrays.submit(scripts)
                print("submitted job arrays " + jobs.enumerated().map { index, job in
                    "\(job.job) (\(job.part.rawValue)\(index == 0 ? "" : ", after \(jobs[index - 1].job)"))"
                }.joined(separator: ", ") + "; then: humorgym sweep merge \(self.sweep.file)")
            }
        }

        /// This executable's absolute path, for the scripts to call.
        static func binary() throws -> String {
            let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw HumorGymError("cannot find this program's own path (/proc/self/exe) for the job scripts")
            }
            return path
        }
    }
}

extension Sweep.Part: ExpressibleByArgument {}
