import Foundation
import HumorGym


/// The terminal table of a comparison: one row per learner, one column per metric, mean +- 95% CI half-width.
public enum ReportTable {
    /// The columns `split` has (only the metrics this report has: no gold columns for human jokes, no
    /// abstentions for the gold judge) and a row per learner, its name then "mean ± half-width" per column:
    /// the terminal's table and the HTML report's.
    static func cells(_ result: ComparisonReport, split: String) -> (labels: [String], rows: [[String]]) {
        let fields = SplitMetrics.fields.filter { field in result.algorithms.contains { result.aggregate[$0]?[split]?[field.name] != nil } }
        return (fields.map(\.label), result.algorithms.map { algorithm in
            [algorithm] + fields.map { field in
                guard let s = result.aggregate[algorithm]?[split]?[field.name] else { return "-" }
                let digits = ["wtr", "lcWTR", "abstentions"].contains(field.name) ? 1 : 3
                let mean = String(format: "%.\(digits)f", s.mean)
                return s.halfWidth.map { mean + String(format: " ± %.\(digits)f", $0) } ?? mean
            }
        })
    }

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
            let table = cells(result, split: split)
            out += grid(header: ["algorithm"] + table.labels, rows: table.rows)
        }
        return out
    }

    /// A terminal table: the header, a rule, the rows; the first `leftAligned` columns are aligned left and
    /// the others (numbers) right.
    static func grid(header: [String], rows: [[String]], leftAligned: Int = 1) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max()! }
        var out = ""
        for (i, row) in all.enumerated() {
            out += row.enumerated().map { c, cell in
                c >= leftAligned ? cell.leftPadded(widths[c]) : c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ") + "\n"
            if i == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }
}

extension String {
    /// Right-aligned in `width` columns: spaces before it.
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
