import ArgumentParser
import Experiments
import Foundation
import HumorGym

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild report.html (and figures/*.csv) from a results folder that compare, run --out or reproduce wrote.")

    @Argument(help: "A results folder.")
    var directory: String

    func run() async throws {
        try await reportingErrors {
            if ReproductionReport.isReproduction(directory) {
                try ReproductionHTML(try ReproductionReport.read(from: directory)).write(to: directory)
            } else {
                try HTMLReport(try ResultsFolder.read(from: directory)).write(to: directory)
            }
            print("wrote \(directory)/report.html")
        }
    }
}
