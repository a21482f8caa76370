import ArgumentParser
import Experiments
import Foundation
import HumorGym

struct Reproduce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the paper's experiments in the simulated world; write reproduce.md (the paper's figures beside the simulation's, a verdict per claim) and results.json.",
        discussion: """
        Tables: table1 (the critic against gold), table2 (five students, in distribution), table3 (out of distribution), \
        table4 (data size, feedback frequency), table6 (humor and meaning apart), rq5 (length with and without the filter). \
        A killed run, started again with the same arguments, skips the cells it finished (saved in OUT/cells).
        """)

    @OptionGroup var specs: SpecOptions

    @OptionGroup var study: SeedOptions

    @Option(help: "Directory for reproduce.md, results.json and the finished cells.")
    var out = "runs/reproduce"

    @Option(help: ArgumentHelp("Comma-separated tables (default: all).", valueName: "tables"))
    var only: String?

    @Flag(help: "Print only the claims.")
    var quiet = false

    @OptionGroup var dry: DryRunOption

    func run() async throws {
        try await reportingErrors {
            _ = try specs.experiment(dryRun: dry.dryRun)  // checks --threads and the specs as every command does
            let reproduction = try Reproduction(
                environment: SpecResolver.environment(specs.environment), policy: SpecResolver.policy(specs.policy), threads: specs.threads,
                seedCount: study.seeds, rootSeed: study.seed, tables: only.map(Reproduction.tables) ?? Reproduction.Table.allCases,
                concurrency: study.jobs, dryRun: dry.dryRun)
            if reproduction.experiment.llms.nothingToCount { return }
            // A dry run keeps its cells (which a real run would resume from) in a folder of its own, then drops them.
            let out = dry.dryRun ? FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-dry-run-\(UUID().uuidString)").path : out
            defer { if dry.dryRun { try? FileManager.default.removeItem(atPath: out) } }
            try ResultsWriter.prepare(directory: out)  // a bad --out fails now, not after training
            let quiet = quiet
            let live = LiveProgress(quiet: quiet, seeds: study.seeds, units: try reproduction.cellCount, unitName: "cells",
                                    llm: reproduction.experiment.llms)
            defer { live?.finish() }  // also when an error ends the run: its message starts on a clean line
            let (learners, critics) = try await reproduction.run(directory: out) { line in
                if let live { return live.done(line, before: line.hasSuffix(Reproduction.doneBefore)) }
                if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            live?.finish()
            if dry.dryRun { return try reproduction.experiment.llms.report() }
            let report = ReproductionReport(reproduction, learners: learners, critics: critics)
            try report.write(to: out)
            for claim in report.claims { print("\(claim.verdict.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(claim.text). \(claim.evidence).") }
            try reproduction.experiment.llms.report(directory: out)
            print("\nwrote \(out)/report.html, reproduce.md and results.json")
        }
    }
}
