import ArgumentParser
import Experiments
import Foundation
import HumorGym

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild report.html (and figures/*.csv) from a results folder, as compare and run --out write it.")

    @Argument(help: "A results folder.")
    var directory: String

    func run() async throws {
        try await reportingErrors {
            try HTMLReport(try ResultsFolder.read(from: directory)).write(to: directory)
            print("wrote \(directory)/report.html")
        }
    }
}
