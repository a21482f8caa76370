import ArgumentParser
import Experiments
import HumorGym
import LLM
import Teachers

struct Teach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask an LLM teacher for N humorous outputs for one input (the paper's teacher prompt).")

    @OptionGroup var llm: LLMOption

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
            let teacher = LLMTeacher(model: try LLMClient(try llm.endpoint()), template: punchline ? LLMTeacher.punchlineTemplate : LLMTeacher.paraphraseTemplate,
                                     temperature: temperature)
            let answer = try await teacher.write(prompt, count: count)
            if answer.refused { throw HumorGymError("the teacher refused (an answer the paper would drop)") }
            if answer.unusable { throw HumorGymError("the teacher's answer held no list (an answer the paper would drop)") }
            for (i, output) in answer.outputs.enumerated() { print("\(i + 1). \(output)") }
        }
    }
}
