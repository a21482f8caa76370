import ArgumentParser
import Experiments
import Foundation
import HumorGym

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a results folder's training data as JSON lines for Hugging Face's TRL: the judged pairs, or the teacher's data.",
        discussion: """
            trl-preference: prompt, chosen, rejected (TRL's preference format), plus the critic's probability, seed and learner.
            trl-sft: prompt, completion (TRL's prompt-completion format): the teacher's outputs the warm start imitates, plus seed.
            """)

    @Argument(help: "A results folder (what compare or run --out writes).")
    var directory: String

    @Option(help: "trl-preference or trl-sft.")
    var format: TRLExport.Format

    @Option(help: "Only this learner's pairs (trl-preference).")
    var learner: String?

    @Option(help: "The file to write (default: DIR/FORMAT.jsonl).")
    var out: String?

    func run() async throws {
        try await reportingErrors {
            let data = try TRLExport.jsonLines(try ResultsFolder.read(from: directory), format: format, learner: learner)
            let path = out ?? URL(fileURLWithPath: directory).appendingPathComponent("\(format.rawValue).jsonl").path
            let url = URL(fileURLWithPath: path)
            try ResultsWriter.prepare(directory: url.deletingLastPathComponent().path)
            try ResultsWriter.write(data, named: url.lastPathComponent, in: url.deletingLastPathComponent().path)
            print("wrote \(path) (\(data.filter { $0 == 0x0A }.count) lines)")
        }
    }
}

extension TRLExport.Format: ExpressibleByArgument {}
