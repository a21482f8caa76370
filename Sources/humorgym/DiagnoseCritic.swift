import ArgumentParser
import Critics
import Experiments
import Foundation
import HumorGym
import LLM

struct DiagnoseCritic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose-critic",
        abstract: "Measure the environment's critic as the paper's Table 1 does: agreement with gold, position flips, length bias.",
        discussion: "Pairs are the teacher's outputs for each prompt of the split (every two distinct outputs), judged in both orders.")

    @OptionGroup var specs: SpecOptions

    @Option(help: "Split whose prompts give the pairs: train, test or ood.")
    var split = Split.test

    @Option(help: "Root seed (teacher outputs and critic noise).")
    var seed: UInt64 = 0

    @Option(help: "Measure an LLM critic instead of the environment's: a name (llms/NAME.yaml) or a path.")
    var critic: String?

    @Option(help: "Judge only the first N pairs (an LLM takes about a second a verdict).")
    var pairs: Int?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let experiment = try specs.experiment()
            let run = try await experiment.run(seed: seed)
            guard pairs.map({ $0 >= 1 }) ?? true else { throw HumorGymError("--pairs must be at least 1") }
            let all = experiment.teacherPairs(split, run: run)
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
            let d = try await CriticDiagnostics.measure(critic: judge, gold: experiment.gold, pairs: chosen)
            let elapsed = ContinuousClock.now - started
            if json { try printJSONLine(d); return }
            print("critic \(described) on \(d.pairs) pairs of teacher outputs, \(split.rawValue) split, both orders")
            func row(_ name: String, _ r: CriticDiagnostics.Rate, _ paper: Double?) {
                let percent = r.denominator == 0 ? "     -" : String(format: "%5.1f%%", r.percent)
                print(name.padding(toLength: 22, withPad: " ", startingAt: 0) + percent
                      + String(format: "  (%d / %d)", r.count, r.denominator).padding(toLength: 18, withPad: " ", startingAt: 0)
                      + "paper (MCP): " + (paper.map { String(format: "%.0f%%", $0) } ?? "-"))
            }
            row("agreement", d.agreement, nil)
            row("  on humor", d.humorAgreement, Paper.Critic.humorAgreement)
            row("  on consistency", d.consistencyAgreement, Paper.Critic.consistencyAgreement)
            row("position flips", d.positionFlips, Paper.Critic.positionFlips)
            row("length bias", d.lengthBias, Paper.Critic.lengthBias)
            row("abstentions", d.abstentions, nil)
            row("ties", d.ties, nil)
            if let client, let before {
                let st = client.statistics, seconds = elapsed / .seconds(1)
                print(String(format: "latency %.2f s a verdict (%d verdicts in %.1f s); %d HTTP requests, %d retries, %d from the cache",
                             seconds / Double(2 * d.pairs), 2 * d.pairs, seconds, st.sent - before.sent, st.retries - before.retries,
                             st.cacheHits - before.cacheHits))
            }
            print("""

            agreement: pairs where gold prefers one and the order-averaged verdict is decisive (on humor or
                       consistency: where gold's humor or consistency alone prefers one).
            position flips: pairs decisive in both orders whose verdict followed the position.
            length bias: of pairs of different lengths that gold and the critic both decide, those where gold
                         prefers the shorter and the critic the longer.
            """)
        }
    }
}
