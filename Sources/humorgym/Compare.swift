import ArgumentParser
import Experiments
import Foundation
import HumorGym
import Learners

struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train several learners from the same imitation warm start over several seeds; print mean and 95% CI per metric.")

    @OptionGroup var specs: SpecOptions

    @Option(help: ArgumentHelp("Comma-separated learners (default: \(AlgorithmRegistry.defaults.joined(separator: ","))).", valueName: "names"))
    var algorithms: String?

    @OptionGroup var study: SeedOptions

    @Option(help: "Directory for the results: results.json and .csv, outcomes.json, samples.json, timings.json.")
    var out = "runs/compare"

    @OptionGroup var measuring: ReportOptions

    @Flag(help: "Print only the table.")
    var quiet = false

    @OptionGroup var dry: DryRunOption

    func run() async throws {
        try await reportingErrors {
            let names = algorithms.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? AlgorithmRegistry.defaults
            let experiment = try specs.experiment(dryRun: dry.dryRun)
            if experiment.llms.nothingToCount { return }
            let comparison = try Comparison(experiment: experiment, algorithms: names, seedCount: study.seeds, rootSeed: study.seed,
                                            concurrency: study.jobs, curves: try measuring.curves(), criticPairs: try measuring.criticPairs(experiment))
            if !dry.dryRun { try ResultsWriter.prepare(directory: out) }  // a bad --out fails now, not after training
            let seeds = comparison.seeds, quiet = quiet, spec = experiment.policySpec
            let live = LiveProgress(quiet: quiet, seeds: seeds.count, units: seeds.count * comparison.algorithms.count, llm: experiment.llms) { learner in
                learner == Trainer.warmStartPhase ? spec.warmStartEpochs : (try? spec.settings(of: learner))?["epochs"].flatMap { Int($0) }
            }
            defer { live?.finish() }  // also when an error ends the run: its message starts on a clean line
            let result = try await comparison.run { event in
                var line = ""
                if case .finished(let index, let run) = event, !dry.dryRun {  // a dry run's results mean nothing
                    line = String(format: "seed %llu  %@  test WTR %.1f", seeds[index], run.algorithm, run.metrics[Split.test.rawValue]?.wtr ?? .nan)
                }
                if let live { return live.hear(event, line: line) }
                // Not a terminal: a line per finished run, as before, unless quiet.
                if !quiet, !line.isEmpty { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            live?.finish()
            if dry.dryRun { return try experiment.llms.report() }
            try result.write(to: out)
            print(ReportTable.render(result.report) + ComparisonSummary.render(result), terminator: "")
            try experiment.llms.report(directory: out)
            print("\nwrote \(out)/report.html, results.json and results.csv (and outcomes, samples, timings, figures/ and runs/ beside them)")
        }
    }
}
