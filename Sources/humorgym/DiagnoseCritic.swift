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

    @Option(help: ArgumentHelp("Ask every verdict K times, for the judge card's variance (default: 3; 1 for an LLM at temperature 0, which answers every repeat alike).", valueName: "K"))
    var repeats: Int?

    @Flag(help: "Print the judge card as JSON instead of tables.")
    var json = false

    @OptionGroup var dry: DryRunOption

    func run() async throws {
        try await reportingErrors {
            guard pairs.map({ $0 >= 1 }) ?? true else { throw HumorGymError("--pairs must be at least 1") }
            guard repeats.map({ (1...100).contains($0) }) ?? true else { throw HumorGymError("--repeats must be in 1...100") }
            let experiment = try specs.experiment(dryRun: dry.dryRun)
            let run = try await experiment.run(seed: seed)
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
            let judge: any Critic, described: String, llmSpec: LLMSpec?
            func llm(_ spec: LLMSpec) -> String { "\(spec.name) (LLM \(spec.endpoint.model) at \(spec.endpoint.baseURL))" }
            let llmCritic = try critic.map(SpecResolver.llm)
            if let llmCritic {
                judge = try experiment.critic(llm: llmCritic, seed: run.seeds.seed(for: "diagnostics"), run: run)
                (described, llmSpec) = (llm(llmCritic), llmCritic)
            } else {
                judge = experiment.critic(seed: run.seeds.seed(for: "diagnostics"), run: run)
                switch experiment.environment.world {
                case .paraphrase(let p):
                    switch p.critic {
                    case .mock(let c): (described, llmSpec) = ("\(judge.name) (\(c.mode.rawValue))", nil)
                    case .llm(let spec): (described, llmSpec) = (llm(spec), spec)
                    }
                case .jokes(let j): (described, llmSpec) = (llm(j.critic), j.critic)
                }
            }
            if experiment.llms.nothingToCount { return }
            let client = llmSpec.flatMap(experiment.llms.openClient)
            // The k-th repeat: an LLM asked anew (its requests carry k), a mock drawing from a stream of its own.
            func repeated(_ k: Int) -> any Critic {
                if var llm = judge as? LLMCritic { llm.repetition = k; return llm }
                return k == 0 ? judge : experiment.critic(seed: run.seeds.seed(for: "diagnostics/repeat-\(k)"), run: run)
            }
            let atTemperatureZero = llmSpec.map { $0.endpoint.temperature == 0 } ?? false
            let k = repeats ?? (atTemperatureZero ? 1 : 3)

            // The client may have served the teacher too: count only what the verdicts took.
            let before = client?.usage[.critic] ?? LLMUsage(), started = ContinuousClock.now
            let d = try await CriticDiagnostics.measure(critic: judge, pairs: chosen, reference: reference)
            var card = JudgeCard(critic: described, reference: humanPairs == nil ? "gold" : "humans", diagnostics: d)
            var verdicts = 2 * chosen.count
            if k >= 2 {
                card.repeats = try await RepeatedJudgements.measure(critics: (0..<k).map(repeated), pairs: chosen)
                verdicts += 2 * chosen.count * k  // the first repeat asks the diagnostics' own questions again
            } else {
                card.repeatsNote = atTemperatureZero ? "not asked: at temperature 0 the LLM answers every repeat alike (variance 0 by construction)"
                    : "not asked (--repeats 1)"
            }
            let scored = try await judge.scoresOrAbstentions(chosen.map { Example(prompt: $0.prompt, response: $0.first) })
            card.pointwise = CriticDiagnostics.Rate(count: scored.compactMap { $0 }.count, denominator: scored.count)
            verdicts += scored.count
            if humanPairs != nil {
                card.selfPreferenceNote = "people's pairs say nothing of who wrote them"
            } else {
                switch experiment.selfPreferencePairs(split, run: run, critic: llmCritic) {
                case .measurable(let own):
                    let own = Array(own.prefix(pairs ?? own.count))
                    card.selfPreference = try await SelfPreference.measure(critic: judge, gold: experiment.gold!, pairs: own)
                    verdicts += 2 * own.count
                case .unmeasurable(let why): card.selfPreferenceNote = why
                }
            }
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            if dry.dryRun { return try experiment.llms.report() }
            if let client {
                let usage = (client.usage[.critic] ?? LLMUsage()).since(before)
                card.cost = JudgeCard.Cost(verdicts: verdicts, seconds: elapsed, usage: usage, spent: usage.cost(client.endpoint.prices))
            }
            if json { try printJSONLine(card); return }
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
            print("")
            print(card.render(), terminator: "")
            print("""

            agreement: pairs where \(vsHumans ? "the people prefer" : "gold prefers") one and the order-averaged verdict is decisive\(vsHumans ? "." : " (on humor or\n           consistency: where gold's humor or consistency alone prefers one).")
            position flips: pairs decisive in both orders whose verdict followed the position.
            length bias: of pairs of different lengths that \(vsHumans ? "the people" : "gold") and the critic both decide, those where \(vsHumans ? "they" : "gold")
                         prefer\(vsHumans ? "" : "s") the shorter and the critic the longer.
            baselines: the same agreement for judges without a model, on the pairs the reference decides (always the
                       longer: those of different lengths).
            P(first), P(longer): of single decisive verdicts, those naming the one shown first, and the longer.
            """)
            try experiment.llms.report()
        }
    }
}
