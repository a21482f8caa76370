import Foundation
import HumorGym
import Stochastics

/// The lines under the terminal table that decide a comparison: which differences between learners are
/// significant, how many seeds would separate the closest two, and which learners over-optimised the critic.
public enum ComparisonSummary {
    public static func render(_ folder: ResultsFolder) -> String {
        let report = folder.report, comparisons = PairedComparisons(folder)
        var out = ""
        for split in Split.evaluated.map(\.rawValue) {
            let pairs = comparisons.pairs.filter { $0.split == split }
            guard !pairs.isEmpty else { continue }
            out += "\n[\(split)] paired by seed: WTR difference, mean and 95% CI over \(report.seeds.count) seed(s); sign test pooled over (seed, prompt)\n"
            let names = pairs.map { "\($0.first) - \($0.second)" }, width = names.map(\.count).max()!
            for (name, pair) in zip(names, pairs) {
                out += "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + difference(pair.difference)
                if let signs = pair.signs {
                    out += "  prompts \(signs.firstBetter) better, \(signs.secondBetter) worse, \(signs.ties) tied, \(pValue(signs.pValue))"
                }
                out += "\n"
            }
            if let (pair, verdict) = comparisons.closest(on: split) {
                let gap = String(format: "%+.1f, paired sd %.1f", pair.difference.difference.mean, pair.difference.difference.standardDeviation!)
                out += "  closest: \(pair.first) and \(pair.second) (\(gap)): \(verdict)\n"
            }
        }
        if OverOptimisation.isMeasured(in: report) {
            let flagged = OverOptimisation.detect(report)
            out += "\nover-optimisation: " + (flagged.isEmpty ? "none (no learner's critic reward rose while its gold fell)\n"
                : flagged.map { String(format: "%@ (critic %+.3f, gold %+.3f from step %d to %d)", $0.learner, $0.criticRise, -$0.goldFall, $0.from, $0.last) }
                    .joined(separator: "; ") + ": the critic's reward rose while gold fell\n")
        }
        return out
    }

    /// "+14.2 [+12.1, +16.3] significant", or "not significant" when the interval holds 0 (or there is one seed).
    static func difference(_ d: PairedDifference) -> String {
        let s = d.difference
        let interval = s.lower.map { String(format: " [%+.1f, %+.1f]", $0, s.upper!) } ?? ""
        let verdict = d.direction == .undecided ? "not significant" : "significant"
        return (String(format: "%+.1f", s.mean) + interval).padding(toLength: 22, withPad: " ", startingAt: 0) + verdict.padding(toLength: 15, withPad: " ", startingAt: 0)
    }

    static func pValue(_ p: Double) -> String { p < 0.001 ? "p < 0.001" : String(format: "p = %.3f", p) }
}
