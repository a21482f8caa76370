import ArgumentParser
import Critics
import Experiments
import Foundation
import HumorGym
import LLM

struct DiagnoseCritic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose-critic",
        abstract: "Measure the environment's critic as the paper's Table 1 does: agreement with gold (or with people), position flips, length bias.",
        discussion: """
            Pairs are the teacher's outputs for each prompt of the split (every two distinct outputs), judged in both orders against \
            the gold judge; or, with --human-pairs FILE, people's judgements: one JSON object a line, {"prompt": ... (optional), \
            "first": ..., "second": ..., "preferred": 1 | 2 | "tie" | P(first is better)}. Every rate has its count, denominator and \
            95% Wilson interval, beside baselines on the same pairs: always the first, always the longer, a coin.
            """)

    @OptionGroup var specs: SpecOptions

    @Option(help: "Split whose prompts give the pairs: train, test or ood.")
    var split = Split.test

    @Option(help: "Root seed (teacher outputs and critic noise).")
    var seed: UInt64 = 0

    @Option(help: "Measure an LLM critic instead of the environment's: a name (llms/NAME.yaml) or a path.")
    var critic: String?

    @Option(help: "Judge only the first N pairs (an LLM takes about a second a verdict).")
    var pairs: Int?

    @Option(help: ArgumentHelp("Measure against people's pairwise judgements from this JSON-lines file instead of the gold judge.", valueName: "FILE"))
    var humanPairs: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let experiment = try specs.experiment()
            let run = try await experiment.run(seed: seed)
            guard pairs.map({ $0 >= 1 }) ?? true else { throw HumorGymError("--pairs must be at least 1") }
            // The pairs, and what the critic is measured against: gold on teacher outputs, or people.
            let all: [PairRequest], reference: CriticDiagnostics.Reference?, source: String
            if let humanPairs {
                let human = try HumanPair.read(humanPairs)
                let vocabulary = experiment.world.vocabulary
                all = human.enumerated().map { index, pair in
                    PairRequest(prompt: Prompt(id: index, split: split, text: vocabulary.encode(pair.prompt ?? "")),
                                first: vocabulary.encode(pair.first), second: vocabulary.encode(pair.second))
                }
                reference = .humans(Array(human.map(\.preferenceForFirst).prefix(pairs ?? human.count)))
                source = "human pairs from \(humanPairs), against the people's verdicts"
            } else {
                all = experiment.teacherPairs(split, run: run)
                reference = experiment.gold.map { .gold($0) }
                source = "pairs of teacher outputs, \(split.rawValue) split"
            }
            let chosen = Array(all.prefix(pairs ?? all.count))
            guard !chosen.isEmpty else {
                throw HumorGymError("diagnose-critic: the \(split.rawValue) split gives no pair of distinct teacher outputs (a corpus teacher has one per setup; an LLM teacher with outputsPerPrompt of 2 or more gives pairs)")
            }
            let judge: any Critic, described: String, client: LLMClient?
            func llm(_ spec: LLMSpec) -> String { "\(spec.name) (LLM \(spec.endpoint.model) at \(spec.endpoint.baseURL))" }
            if let critic {
                let spec = try SpecResolver.llm(critic)
                judge = try experiment.critic(llm: spec, seed: run.seeds.seed(for: "diagnostics"), run: run)
                (described, client) = (llm(spec), experiment.llms.openClient(spec))
            } else {
                judge = experiment.critic(seed: run.seeds.seed(for: "diagnostics"), run: run)
                switch experiment.environment.world {
                case .paraphrase(let p):
                    switch p.critic {
                    case .mock(let c): (described, client) = ("\(judge.name) (\(c.mode.rawValue))", nil)
                    case .llm(let spec): (described, client) = (llm(spec), experiment.llms.openClient(spec))
                    }
                case .jokes(let j): (described, client) = (llm(j.critic), experiment.llms.openClient(j.critic))
                }
            }
            // The client may have served the teacher too: count only what the verdicts took.
            let before = client?.statistics, started = ContinuousClock.now
            let d = try await CriticDiagnostics.measure(critic: judge, pairs: chosen, reference: reference)
            let elapsed = ContinuousClock.now - started
            if json { try printJSONLine(d); return }
            print("critic \(described) on \(d.pairs) \(source), both orders")
            let vsHumans = humanPairs != nil
            /// The paper's figure for a row measured against gold ("-" where it gives none).
            func paper(_ figure: Double?) -> String? { vsHumans ? nil : figure.map { String(format: "%.0f%%", $0) } ?? "-" }
            /// A rate with its count, denominator and interval, and `paper`'s figure when given.
            func row(_ name: String, _ r: CriticDiagnostics.Rate, paper: String? = nil) {
                let percent = r.denominator == 0 ? "     -" : String(format: "%5.1f%%", r.percent)
                let interval = r.interval.map { String(format: "[%.1f, %.1f]", $0.lower, $0.upper) } ?? "-"
                var line = name.padding(toLength: 22, withPad: " ", startingAt: 0) + percent
                    + String(format: "  (%d / %d)", r.count, r.denominator).padding(toLength: 16, withPad: " ", startingAt: 0) + interval
                if let paper { line = line.padding(toLength: 59, withPad: " ", startingAt: 0) + "paper (MCP): " + paper }
                print(line)
            }
            print("measure".padding(toLength: 22, withPad: " ", startingAt: 0) + "  rate  (count / of)     95% (Wilson)")
            row("agreement", d.agreement, paper: paper(nil))
            if !vsHumans {
                row("  on humor", d.humorAgreement, paper: paper(Paper.Critic.humorAgreement))
                row("  on consistency", d.consistencyAgreement, paper: paper(Paper.Critic.consistencyAgreement))
            }
            row("position flips", d.positionFlips, paper: paper(Paper.Critic.positionFlips))
            row("length bias", d.lengthBias, paper: paper(Paper.Critic.lengthBias))
            row("abstentions", d.abstentions, paper: paper(nil))
            row("ties", d.ties, paper: paper(nil))
            print("baselines, agreement on the same pairs:")
            row("  always the first", d.baselines.alwaysFirst)
            row("  always the longer", d.baselines.alwaysLonger)
            row("  a coin", d.baselines.coin)
            if let client, let before {
                let st = client.statistics, seconds = elapsed / .seconds(1)
                print(String(format: "latency %.2f s a verdict (%d verdicts in %.1f s); %d HTTP requests, %d retries, %d from the cache",
                             seconds / Double(2 * d.pairs), 2 * d.pairs, seconds, st.sent - before.sent, st.retries - before.retries,
                             st.cacheHits - before.cacheHits))
            }
            print("""

            agreement: pairs where \(vsHumans ? "the people prefer" : "gold prefers") one and the order-averaged verdict is decisive\(vsHumans ? "." : " (on humor or\n           consistency: where gold's humor or consistency alone prefers one).")
            position flips: pairs decisive in both orders whose verdict followed the position.
            length bias: of pairs of different lengths that \(vsHumans ? "the people" : "gold") and the critic both decide, those where \(vsHumans ? "they" : "gold")
                         prefer\(vsHumans ? "" : "s") the shorter and the critic the longer.
            baselines: the same agreement for judges without a model, on the pairs the reference decides (always the
                       longer: those of different lengths).
            """)
        }
    }
}
