import ArgumentParser
import Critics
import Experiments
import Foundation
import HumorGym

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

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let experiment = try specs.experiment()
            let run = experiment.run(seed: seed)
            let pairs = experiment.teacherPairs(split, run: run)
            guard !pairs.isEmpty else { throw HumorGymError("diagnose-critic: the \(split.rawValue) split gives no pair of distinct teacher outputs") }
            let critic = experiment.critic(seed: run.seeds.seed(for: "diagnostics"), run: run)
            let d = try await CriticDiagnostics.measure(critic: critic, gold: experiment.world.goldJudge, pairs: pairs)
            if json { try printJSONLine(d); return }
            print("critic \(critic.name) (\(critic.configuration.mode.rawValue)) on \(d.pairs) pairs of teacher outputs, \(split.rawValue) split, both orders")
            func row(_ name: String, _ r: CriticDiagnostics.Rate, _ paper: String) {
                let percent = r.denominator == 0 ? "     -" : String(format: "%5.1f%%", r.percent)
                print(name.padding(toLength: 16, withPad: " ", startingAt: 0)
                      + percent + String(format: "  (%d / %d)", r.count, r.denominator) + "   paper (MCP): " + paper)
            }
            row("agreement", d.agreement, "76%")
            row("position flips", d.positionFlips, "15%")
            row("length bias", d.lengthBias, "20%")
            row("abstentions", d.abstentions, "-")
            row("ties", d.ties, "-")
            print("""

            agreement: pairs where gold prefers one and the order-averaged verdict is decisive.
            position flips: pairs decisive in both orders whose verdict followed the position.
            length bias: of pairs of different lengths that gold and the critic both decide, those where gold
                         prefers the shorter and the critic the longer.
            """)
        }
    }
}
