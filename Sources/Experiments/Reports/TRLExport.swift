import Foundation
import HumorGym

/// A results folder's training data in the formats Hugging Face's TRL reads, one JSON object a line, so a
/// user can train a real model on exactly the data HumorGym's learners saw:
///
/// - `trl-preference`: every pair the critic decided during the pairwise learners' training (DPO, SD, BRIO),
///   as `prompt`, `chosen`, `rejected` (TRL's standard preference format), with the critic's `probability`
///   that `chosen` is better, and the `seed` and `learner` it came from;
/// - `trl-sft`: the teacher's outputs for the training prompts, as `prompt` and `completion` (TRL's
///   prompt-completion format), with their `seed`.
public enum TRLExport {
    public enum Format: String, Sendable, CaseIterable {
        case preference = "trl-preference"
        case sft = "trl-sft"
    }

    struct PreferenceRow: Codable {
        var prompt: String
        var chosen: String
        var rejected: String
        var probability: Double
        var seed: UInt64
        var learner: String
    }

    struct CompletionRow: Codable {
        var prompt: String
        var completion: String
        var seed: UInt64
    }

    /// The lines of `format`, seed by seed (and learner by learner in the comparison's order); `learner`
    /// keeps one learner's pairs. An unknown learner, or a folder without what the format needs, is an error.
    public static func jsonLines(_ folder: ResultsFolder, format: Format, learner: String? = nil) throws -> Data {
        if let learner, !folder.report.algorithms.contains(learner) {
            throw HumorGymError("export: no learner '\(learner)' in this folder; it has \(folder.report.algorithms.joined(separator: ", "))")
        }
        switch format {
        case .preference:
            let rows = folder.pairs.filter { learner == nil || $0.learner == learner }.flatMap { log in
                log.pairs.map { PreferenceRow(prompt: $0.prompt, chosen: $0.chosen, rejected: $0.rejected, probability: $0.probability,
                                              seed: log.seed, learner: log.learner) }
            }
            guard !rows.isEmpty else {
                throw HumorGymError("export: no judged pairs\(learner.map { " for '\($0)'" } ?? ""); only pairwise learners (dpo, sd, brio and chains of them) judge pairs")
            }
            return try ResultsWriter.jsonLines(rows)
        case .sft:
            return try ResultsWriter.jsonLines(folder.demonstrations.flatMap { log in
                log.examples.map { CompletionRow(prompt: $0.prompt, completion: $0.completion, seed: log.seed) }
            })
        }
    }
}
