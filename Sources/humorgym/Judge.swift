import ArgumentParser
import Chat
import Critics
import Experiments
import Foundation
import HumorGym
import LLM

struct Judge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask an LLM critic which of two responses is better, in both orders (the paper's multiple-choice prompting).")

    @OptionGroup var llm: LLMOption

    @Option(help: "The input both responses rewrite.")
    var prompt: String

    @Option(help: "Response 1.")
    var first: String

    @Option(help: "Response 2.")
    var second: String

    func run() async throws {
        try await reportingErrors {
            let judge = LLMJudge(model: try LLMClient(try llm.endpoint()))
            let forward = try await judge.compare(prompt: prompt, first: first, second: second)
            let backward = try await judge.compare(prompt: prompt, first: second, second: first)
            func show(_ order: String, _ j: PairwiseJudgement) {
                let p = j.probabilityFirstBetter.map { String(format: "P(first better) %.3f", $0) } ?? "no verdict"
                print("\(order): \(j.verdict.rawValue), \(p)")
                print("  \(snippet(j.reason ?? ""))")
            }
            show("as given (1 = --first)", forward)
            show("swapped  (1 = --second)", backward)
            if let p = PairwiseJudgement.averagedPreference(forward, backward) {
                print(String(format: "averaged over both orders: P(--first better) = %.3f", p))
            } else {
                print("averaged over both orders: an abstention (no verdict in at least one order)")
            }
        }
    }
}
