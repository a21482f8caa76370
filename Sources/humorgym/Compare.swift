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

    @Option(help: "Directory for results.json and results.csv.")
    var out = "runs/compare"

    @Flag(help: "Print only the table.")
    var quiet = false

    func run() async throws {
        try await reportingErrors {
            let names = algorithms.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? AlgorithmRegistry.defaults
            let comparison = try Comparison(experiment: try specs.experiment(), algorithms: names, seedCount: study.seeds, rootSeed: study.seed,
                                            concurrency: study.jobs)
            try ResultsWriter.prepare(directory: out)  // a bad --out fails now, not after training
            let quiet = quiet
            let result = try await comparison.run { line in
                if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            try ResultsWriter.write(result, to: out)
            print(ReportTable.render(result), terminator: "")
            print("\nwrote \(out)/results.json and \(out)/results.csv")
        }
    }
}
