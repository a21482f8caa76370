import Critics
import Foundation
import LLM

/// A critic's card, after AlpacaEval's table of evaluators: how far to trust it (agreement with gold, or with
/// people), its biases (the first shown, the longer, its own teacher's writing), how often it abstains, how
/// much a verdict moves when it is asked again, and what a verdict costs in seconds, tokens and money.
public struct JudgeCard: Codable, Sendable {
    public var critic: String
    /// What agreement is counted against: "gold" or "humans".
    public var reference: String
    /// The paper's Table 1 figures, with P(first) and P(longer).
    public var diagnostics: CriticDiagnostics
    public var repeats: RepeatedJudgements?
    /// Why the repeats were not asked (an LLM at temperature 0 answers every repeat alike).
    public var repeatsNote: String?
    /// Pointwise scores asked for the first text of each pair: those with a usable score 1-10.
    public var pointwise: CriticDiagnostics.Rate?
    public var selfPreference: SelfPreference?
    /// Why self-preference could not be measured.
    public var selfPreferenceNote: String?
    /// For an LLM critic: what its verdicts took.
    public var cost: Cost?

    public struct Cost: Codable, Sendable {
        /// Single judgements made, and the seconds they took (with the client's concurrency).
        public var verdicts: Int
        public var seconds: Double
        /// Of those, the ones the server answered (the rest came from the cache), and their tokens and cost.
        public var usage: LLMUsage
        public var spent: Double

        public var secondsPerVerdict: Double { seconds / Double(max(1, verdicts)) }
        public var tokensPerVerdict: (prompt: Double, completion: Double)? {
            usage.answers - usage.unmetered <= 0 ? nil
                : (Double(usage.promptTokens) / Double(usage.answers - usage.unmetered), Double(usage.completionTokens) / Double(usage.answers - usage.unmetered))
        }
        public var costPerThousandVerdicts: Double? { usage.answers == 0 ? nil : 1000 * spent / Double(usage.answers) }

        public init(verdicts: Int, seconds: Double, usage: LLMUsage, spent: Double) {
            (self.verdicts, self.seconds, self.usage, self.spent) = (verdicts, seconds, usage, spent)
        }

        enum CodingKeys: String, CodingKey {
            case verdicts, seconds, usage, spent, secondsPerVerdict, promptTokensPerVerdict, completionTokensPerVerdict, costPerThousandVerdicts
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(verdicts: try c.decode(Int.self, forKey: .verdicts), seconds: try c.decode(Double.self, forKey: .seconds),
                      usage: try c.decode(LLMUsage.self, forKey: .usage), spent: try c.decode(Double.self, forKey: .spent))
        }

        /// The stored figures, and the per-verdict ones derived from them.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(verdicts, forKey: .verdicts)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(usage, forKey: .usage)
            try c.encode(spent, forKey: .spent)
            try c.encode(secondsPerVerdict, forKey: .secondsPerVerdict)
            try c.encodeIfPresent(tokensPerVerdict?.prompt, forKey: .promptTokensPerVerdict)
            try c.encodeIfPresent(tokensPerVerdict?.completion, forKey: .completionTokensPerVerdict)
            try c.encodeIfPresent(costPerThousandVerdicts, forKey: .costPerThousandVerdicts)
        }
    }

    public init(critic: String, reference: String, diagnostics: CriticDiagnostics) {
        self.critic = critic
        self.reference = reference
        self.diagnostics = diagnostics
    }

    /// The card's lines, under the Table 1 figures.
    public func render() -> String {
        func rate(_ r: CriticDiagnostics.Rate) -> String {
            guard r.denominator > 0, let i = r.interval else { return "-" }
            return String(format: "%.1f%% [%.1f, %.1f] (%d / %d)", r.percent, i.lower, i.upper, r.count, r.denominator)
        }
        var lines = ["judge card: \(critic)"]
        func row(_ label: String, _ text: String) { lines.append("  " + label.padding(toLength: 28, withPad: " ", startingAt: 0) + text) }
        let d = diagnostics
        row("agreement with \(reference)", rate(d.agreement))
        row("P(prefers the first shown)", rate(d.prefersFirst) + "   no bias: 50%")
        row("P(prefers the longer)", rate(d.prefersLonger) + "   no bias: 50%")
        if let s = selfPreference {
            row("self-preference", String(format: "%+.1f points: the teacher's text chosen %@, by gold %.1f%%", s.points, rate(s.critic), s.gold.percent))
        } else {
            row("self-preference", "not measurable: \(selfPreferenceNote ?? "")")
        }
        row("abstentions", rate(d.abstentions))
        if let p = pointwise { row("usable pointwise scores", rate(p)) }
        if let r = repeats {
            let variance = r.meanVariance.map { String(format: "%.4f", $0) } ?? "-"
            row("variance over \(r.repeats) repeats", "\(variance) (P(first), mean over pairs and orders); the same slot every time: \(rate(r.unanimous))")
        } else {
            row("variance over repeats", repeatsNote ?? "")
        }
        if let c = cost {
            let tokens = c.tokensPerVerdict.map { String(format: "%.0f prompt + %.1f completion tokens a verdict", $0.prompt, $0.completion) }
                ?? "no tokens counted (every answer from the cache, or no usage sent)"
            let money = c.costPerThousandVerdicts.map { String(format: "%.4f per 1,000 verdicts", $0) } ?? "-"
            row("cost", String(format: "%.3f s a verdict (%d in %.1f s, %d from the server); %@; %@", c.secondsPerVerdict, c.verdicts, c.seconds,
                               c.usage.answers, tokens, money))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
