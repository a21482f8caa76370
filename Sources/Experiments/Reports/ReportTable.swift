import Foundation
import HumorGym


/// The terminal table of a comparison: one row per learner, one column per metric, mean +- 95% CI half-width.
public enum ReportTable {
    public static func render(_ result: ComparisonReport) -> String {
        var out = "environment \(result.environment), policy \(result.policy), \(result.seeds.count) seed(s); mean ± 95% CI (Student t)\n"
        if let c = result.teacherCalls {
            out += "LLM teacher: \(c.prompts) prompts asked over all seeds and splits, \(c.refused) refused, \(c.unusable) answered without a list (dropped)\n"
        }
        for split in Split.evaluated.map(\.rawValue) {
            if let t = result.teacher[split] {
                if let gold = t.meanGold, let spread = t.meanSpread, let best = t.meanBestCandidate {
                    out += String(format: "\n[%@]  teacher gold %.3f (spread of its N outputs %.3f; best candidate %.3f)\n", split, gold, spread, best)
                } else {
                    out += String(format: "\n[%@]  teacher: %.2f outputs per prompt, %.1f%% of prompts without one, %.1f%% unknown words\n",
                                  split, t.outputsPerPrompt, 100 * t.promptsWithoutOutput, 100 * t.unknownTokens)
                }
            }
            // Only the metrics this report has (no gold columns for human jokes, no abstentions for the gold judge).
            let fields = SplitMetrics.fields.filter { field in result.algorithms.contains { result.aggregate[$0]?[split]?[field.name] != nil } }
            let header = ["algorithm"] + fields.map(\.label)
            var rows = [header]
            for algorithm in result.algorithms {
                let summaries = result.aggregate[algorithm]?[split] ?? [:]
                rows.append([algorithm] + fields.map { field in
                    guard let s = summaries[field.name] else { return "-" }
                    let digits = ["wtr", "lcWTR", "abstentions"].contains(field.name) ? 1 : 3
                    let mean = String(format: "%.\(digits)f", s.mean)
                    return s.halfWidth.map { mean + String(format: " ± %.\(digits)f", $0) } ?? mean
                })
            }
            let widths = header.indices.map { c in rows.map { $0[c].count }.max()! }
            for (i, row) in rows.enumerated() {
                out += row.enumerated().map { c, cell in
                    c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[c] - cell.count) + cell
                }.joined(separator: "  ") + "\n"
                if i == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
            }
        }
        return out
    }
}
