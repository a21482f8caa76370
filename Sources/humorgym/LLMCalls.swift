import ArgumentParser
import Experiments
import Foundation

/// `--dry-run`, for the commands whose LLM calls can cost money.
struct DryRunOption: ParsableArguments {
    @Flag(help: """
        Count the LLM requests the command would send and how many the cache already holds, by role, and estimate their \
        tokens and cost from the cache's history; send nothing, write nothing. Training runs on the cached answers and empty \
        ones, so a count that depends on answers a dry run cannot know is marked as the estimate it is.
        """)
    var dryRun = false
}

extension LLMClientPool {
    /// After a command: what a dry run counted, or what the calls took, printed on `stderr` when the command's
    /// output is data; and `llm-usage.json` in `directory`, when given and any LLM was asked.
    func report(directory: String? = nil, toStandardError: Bool = false) throws {
        let text: String
        if isDryRun {
            text = try DryRunSummary(self).render()
        } else {
            let spending = LLMSpending(self)
            guard !spending.isEmpty else { return }
            text = "\n" + spending.render()
            if let directory {
                try ResultsWriter.prepare(directory: directory)
                try ResultsWriter.write(ResultsWriter.json(spending), named: "llm-usage.json", in: directory)
            }
        }
        if toStandardError { FileHandle.standardError.write(Data(text.utf8)) } else { print(text, terminator: "") }
    }

    /// In a dry run of a command that asks no LLM: says so, and the command has nothing left to do.
    var nothingToCount: Bool {
        guard isDryRun && open.isEmpty else { return false }
        print((try? DryRunSummary(self).render()) ?? "", terminator: "")
        return true
    }
}
