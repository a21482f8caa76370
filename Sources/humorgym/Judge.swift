import ArgumentParser
import Experiments
import Foundation
import HumorGym
import LLM

struct Judge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask an LLM critic which of two responses is better, in both orders (the paper's multiple-choice prompting).")

    @Option(help: "The LLM: a name (llms/NAME.yaml) or a path.")
    var llm = "local"

    @Option(help: "The input both responses rewrite.")
    var prompt: String

    @Option(help: "Response 1.")
    var first: String

    @Option(help: "Response 2.")
    var second: String

    func run() async throws {
        try await reportingErrors {
            let judge = LLMJudge(client: try LLMClient(try SpecResolver.llm(llm).endpoint))
            let forward = try await judge.compare(prompt: prompt, first: first, second: second)
            let backward = try await judge.compare(prompt: prompt, first: second, second: first)
            func show(_ order: String, _ j: PairwiseJudgement) {
                let p = j.probabilityFirstBetter.map { String(format: "P(first better) %.3f", $0) } ?? "no verdict"
                print("\(order): \(j.verdict.rawValue), \(p)")
                print("  \(LLMClient.snippet(j.reason ?? ""))")
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

struct Teach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask an LLM teacher for N humorous outputs for one input (the paper's teacher prompt).")

    @Option(help: "The LLM: a name (llms/NAME.yaml) or a path.")
    var llm = "local"

    @Option(help: "The input sentence (or a joke's setup with --punchline).")
    var prompt: String

    @Option(help: "How many outputs to ask for.")
    var count = 3

    @Option(help: "Sampling temperature (the paper's teacher: 0.8).")
    var temperature = 0.8

    @Flag(help: "Ask for punchlines to a joke's setup instead of paraphrases.")
    var punchline = false

    func run() async throws {
        try await reportingErrors {
            guard (1...100).contains(count) else { throw HumorGymError("--count must be in 1...100, got \(count)") }
            var endpoint = try SpecResolver.llm(llm).endpoint
            endpoint.temperature = temperature
            let teacher = LLMTeacher(client: try LLMClient(endpoint), template: punchline ? LLMTeacher.punchlineTemplate : LLMTeacher.paraphraseTemplate)
            let answer = try await teacher.write(prompt, count: count)
            if answer.refused { throw HumorGymError("the teacher refused (an answer the paper would drop)") }
            if answer.unusable { throw HumorGymError("the teacher's answer held no list (an answer the paper would drop)") }
            for (i, output) in answer.outputs.enumerated() { print("\(i + 1). \(output)") }
        }
    }
}
