import Foundation
import HumorGym
@testable import Llama
import Stochastics
import Testing
import Transformer

/// The pretrained student on a tiny random model with a real tokenizer and SmolLM2's chat template
/// (tiny-llama-chat.gguf, from scripts/llama_reference.py).
@Suite struct LlamaPolicyTests {
    static let pretrained = try! PretrainedLlama(path: LlamaModelTests.resources.appendingPathComponent("tiny-llama-chat.gguf").path)
    static let vocabulary = Vocabulary(["why", "did", "the", "chicken", "cross", "road", "?", "to", "get", "other", "side", "."])

    /// A student whose adapters (on every projection) are not zero, so that they change what it says.
    static func student(threads: Int = 1) throws -> LlamaPolicy {
        var student = try LlamaPolicy(pretrained, lora: try LoRAConfiguration(rank: 2, alpha: 4, targets: LlamaProjection.allCases),
                                      task: "Finish the joke: {prompt}", vocabulary: vocabulary)
        let stream = RandomStream(seed: 1)
        student.parameters = student.parameters.map { _ in Float(stream.gaussian(sigma: 0.2)) }
        student.threads = threads
        return student
    }

    static func prompt(_ id: Int, _ text: String) -> Prompt { Prompt(id: id, split: .test, text: vocabulary.encode(text)) }
    static let prompts = [prompt(0, "Why did the chicken cross the road?"), prompt(1, "Why did the road cross?"), prompt(2, "the other side")]

    /// log pi(y | x) is the sum of the response tokens' and the end token's log-probabilities after the chat
    /// that asks the task, computed here from the network's logits of the whole sequence.
    @Test func theLogProbabilityIsTheResponsesTokens() throws {
        let student = try Self.student(), response = Self.vocabulary.encode("To get to the other side.")
        let chat = Self.pretrained.chat.render([.init(role: "user", content: "Finish the joke: Why did the chicken cross the road?")])
        #expect(chat.hasSuffix("<|im_start|>user\nFinish the joke: Why did the chicken cross the road?<|im_end|>\n<|im_start|>assistant\n"))
        let prompt = Self.pretrained.tokenizer.encode(chat, parseSpecial: true), answer = Self.pretrained.tokenizer.encode(response.string) + [2]
        #expect(student.promptTokens(Self.prompts[0]) == prompt && student.responseTokens(response) == answer)
        let logits = try student.model.logits(prompt + answer.dropLast()), V = student.model.configuration.vocabularySize
        var expected = 0.0
        for (i, target) in answer.enumerated() {
            let row = logits[(prompt.count - 1 + i) * V..<(prompt.count + i) * V].map(Double.init), largest = row.max()!
            expected += row[row.startIndex + Int(target)] - largest - Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - largest) })
        }
        let value = student.logProbability(of: response, given: Self.prompts[0])
        #expect(abs(value - expected) < 1e-4 * abs(expected), "\(value) against \(expected)")
        // In a batch, with a sequence that does not fit the 256-token context beside it.
        let long = Self.vocabulary.encode(String(repeating: "the road ", count: 200))
        let batch = student.logProbabilities([Example(prompt: Self.prompts[0], response: response), Example(prompt: Self.prompts[1], response: long)])
        #expect(batch[0] == value && batch[1] == -.infinity)
    }

    /// The pull-back's first-order prediction of a small step along it: the log-probability rises by about
    /// step x |gradient|^2.
    @Test func aStepAlongThePullbackRaisesTheLogProbability() throws {
        var student = try Self.student()
        let example = Example(prompt: Self.prompts[0], response: Self.vocabulary.encode("To get to the other side."))
        let (values, pullback) = student.logProbabilitiesWithPullback([example])
        let gradient = pullback([1]), squared = gradient.reduce(0.0) { $0 + Double($1 * $1) }, step = 1e-4
        student.parameters = zip(student.parameters, gradient).map { $0 + Float(step) * $1 }
        let rise = student.logProbability(of: example.response, given: example.prompt) - values[0]
        #expect(abs(rise - step * squared) < 0.1 * step * squared, "rose \(rise), predicted \(step * squared)")
    }

    /// Samples come from the stream alone: the same seed gives the same texts on 1 and 2 threads, and each
    /// text encodes back to the tokens drawn for it.
    @Test func samplesDependOnTheSeedAlone() throws {
        let one = try Self.student(threads: 1).sample(Self.prompts, count: 4, using: RandomStream(seed: 9))
        let two = try Self.student(threads: 2).sample(Self.prompts, count: 4, using: RandomStream(seed: 9))
        #expect(one == two && one.count == 3 && one.allSatisfy { $0.count == 4 })
        #expect(one != (try Self.student().sample(Self.prompts, count: 4, using: RandomStream(seed: 10))))
        #expect(Set(one.joined().map(\.string)).count > 6)
        // Every text is what the tokens it was drawn as spell, read into the world's vocabulary, cut where their
        // bytes stop being UTF-8 (a random model draws stray bytes): no replacement character stands for a byte.
        #expect(one.joined().allSatisfy { $0 == Self.vocabulary.encode($0.string) && !$0.string.contains("\u{FFFD}") })
        let cut = Self.pretrained.tokenizer.encode("caf") + [Int32(Self.pretrained.tokenizer.tokens.firstIndex(of: "Ã")!)]  // é's first byte, 0xC3
        #expect(try Self.student().text(cut).string == "caf")
        // A prompt too long for the context gets empty responses beside the others'.
        let long = Self.prompt(3, String(repeating: "the road ", count: 200))
        let mixed = try Self.student().sample([Self.prompts[0], long], count: 2, using: RandomStream(seed: 9))
        #expect(mixed[1] == [Self.vocabulary.encode(""), Self.vocabulary.encode("")] && mixed[0].count == 2)
        #expect(try Self.student().mostLikely([long, Self.prompts[1]])[0] == Self.vocabulary.encode(""))
    }

    /// Greedy decoding through the cache picks, at each step, the likeliest token (no control token but the
    /// end of the turn) of the whole sequence's logits.
    @Test func mostLikelyIsTheGreedyContinuation() throws {
        let student = try Self.student(), V = student.model.configuration.vocabularySize
        for (prompt, text) in zip(Self.prompts, student.mostLikely(Self.prompts)) {
            var tokens = student.promptTokens(prompt), written: [Int32] = []
            while written.count < student.sampling.maxResponseTokens {
                let logits = try student.model.logits(tokens)
                let last = logits[(tokens.count - 1) * V..<tokens.count * V]
                let best = Int32(last.indices.filter { ![0, 1].contains($0 - (tokens.count - 1) * V) }.max { last[$0] < last[$1] }! - (tokens.count - 1) * V)
                if best == 2 { break }
                written.append(best)
                tokens.append(best)
            }
            #expect(text == student.text(written))
        }
    }

    /// A checkpoint is the adapters as PEFT saves them.
    @Test func aCheckpointIsAPEFTFolder() throws {
        let student = try Self.student()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("llama-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try student.save(to: directory)
        let read = try PEFTAdapter.read(from: directory, model: student.model.configuration)
        #expect(read.parameters == student.parameters && read.configuration.targets == LlamaProjection.allCases)
    }

    @Test func badSettingsAreRefused() throws {
        var sampling = TransformerPolicy.Sampling.greedy
        sampling.beams = 5
        #expect(throws: HumorGymError.self) { try LlamaPolicy(Self.pretrained, lora: LoRAConfiguration(), task: "{prompt}", vocabulary: Self.vocabulary, sampling: sampling) }
        #expect(throws: HumorGymError.self) { try LlamaPolicy(Self.pretrained, lora: LoRAConfiguration(), task: "no prompt", vocabulary: Self.vocabulary) }
        // Adapters: a rank in range, at least one target, each once in the projections' order.
        #expect(throws: HumorGymError.self) { try LoRAConfiguration(rank: 0, alpha: 1, targets: [.query]) }
        #expect(throws: HumorGymError.self) { try LoRAConfiguration(rank: 2, alpha: 1, targets: []) }
        #expect(try LoRAConfiguration(rank: 2, alpha: 1, targets: [.value, .query, .value]).targets == [.query, .value])
        #expect(throws: HumorGymError("policy.yaml: targets: 'lm_head' is not a projection (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)")) {
            try LoRAConfiguration(from: ParameterDictionary(["targets": "q_proj, lm_head"], name: "policy.yaml"))
        }
    }
}
