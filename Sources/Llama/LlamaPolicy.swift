import Foundation
import GGUF
import HumorGym
import LinearAlgebra
import Stochastics
import Transformer

/// A pretrained model file read once: the network (base weights), its tokenizer and chat template, and the
/// token that ends an answer. Students built from it share its weights (arrays are copied on write, and the
/// base is never written).
public struct PretrainedLlama: Sendable {
    public let path: String
    public let model: LlamaModel<Float>
    public let tokenizer: ByteLevelBPE
    public let chat: ChatTemplate
    /// The token that ends the assistant's turn (`tokenizer.ggml.eos_token_id`: `<|im_end|>` for SmolLM2).
    public let endOfTurn: Int32

    public init(path: String) throws {
        let file = try GGUFFile(contentsOf: path)
        self.path = path
        model = try LlamaModel(file)
        tokenizer = try ByteLevelBPE(file)
        chat = try ChatTemplate(file)
        guard let eos = file["tokenizer.ggml.eos_token_id"]?.int, (0..<model.configuration.vocabularySize).contains(eos) else {
            throw GGUFError(path, "tokenizer.ggml.eos_token_id is missing or outside the vocabulary")
        }
        endOfTurn = Int32(eos)
    }
}

/// A pretrained language model as a student, trained through low-rank adapters (``LoRAConfiguration``) with
/// its base weights frozen. A prompt is the world's task with the prompt's text filled in, sent as the user's
/// turn of the model's chat template; the response is the assistant's turn, ended by `<|im_end|>`:
///     log pi(y | x) = sum over y's tokens and the end token of log p(token | chat(x), the tokens before it),
/// so every learner trains it through the same pull-back as any other student. It writes any text: its
/// responses reach a critic as written, with their tokens in the world's vocabulary for the world's reports.
public struct LlamaPolicy: TrainablePolicy {
    public typealias Scalar = Float

    public let pretrained: PretrainedLlama
    /// The network with its adapters.
    public private(set) var model: LlamaModel<Float>
    /// What the student is asked: `{prompt}` is the prompt's text.
    public let task: String
    /// The world's vocabulary, which the student's texts are read into.
    public let vocabulary: Vocabulary
    public var sampling: TransformerPolicy.Sampling
    /// Threads that run a batch's shards (with BLAS single-threaded); results are the same for any count.
    public var threads = 1

    public init(_ pretrained: PretrainedLlama, lora: LoRAConfiguration, task: String, vocabulary: Vocabulary,
                sampling: TransformerPolicy.Sampling = .greedy) throws {
        if let problem = sampling.problem ?? Self.problem(sampling) { throw HumorGymError(problem) }
        guard task.contains("{prompt}") else { throw HumorGymError("a student's task must contain {prompt}: \(task.debugDescription)") }
        self.pretrained = pretrained
        model = pretrained.model
        model.adapters = LlamaModel.Adapters(lora, model: pretrained.model.configuration)
        self.task = task
        self.vocabulary = vocabulary
        self.sampling = sampling
    }

    /// Why this student cannot sample with `sampling` although another student could (nil when it can).
    public static func problem(_ sampling: TransformerPolicy.Sampling) -> String? {
        sampling.beams == 1 ? nil : "the Llama student decodes greedily: beams must be 1, not \(sampling.beams)"
    }

    public var parameters: [Float] {
        get { model.adapters!.parameters }  // set by init, never removed
        set { model.adapters!.parameters = newValue }
    }

    /// The chat that asks for a response to `prompt`, through the assistant's header.
    func promptTokens(_ prompt: Prompt) -> [Int32] {
        let request = task.replacingOccurrences(of: "{prompt}", with: prompt.text.string)
        return pretrained.tokenizer.encode(pretrained.chat.render([.init(role: "user", content: request)]), parseSpecial: true)
    }

    /// The response's tokens and the end of the turn.
    func responseTokens(_ response: Text) -> [Int32] { pretrained.tokenizer.encode(response.string) + [pretrained.endOfTurn] }

    /// The student's tokens as a text of the world: the string as written, its tokens in the world's vocabulary.
    /// The text is the longest run of the first tokens whose bytes are UTF-8 (a response cut at the length
    /// limit may end inside a character): its string encodes back to the tokens drawn, not to a replacement
    /// character's, so a learner scores what was sampled.
    func text(_ tokens: [Int32]) -> Text {
        let tokenizer = pretrained.tokenizer
        let kept = (0...tokens.count).last { String(validating: tokenizer.bytes(Array(tokens.prefix($0))), as: UTF8.self) != nil }!  // 0 tokens are valid
        return vocabulary.encode(tokenizer.decode(Array(tokens.prefix(kept))))
    }

    public func logProbabilitiesWithPullback(_ examples: [Example]) -> (values: [Double], pullback: ([Double]) -> [Float]) {
        pass(examples, forBackward: true)
    }

    /// log pi(y_i | x_i), and the pull-back when `forBackward` (else the activations are not kept and it must not be called).
    private func pass(_ examples: [Example], forBackward: Bool) -> (values: [Double], pullback: ([Double]) -> [Float]) {
        guard !examples.isEmpty else { return ([], { _ in [Float](repeating: 0, count: model.adapters!.layout.parameterCount) }) }
        let batch = ResponseBatch(examples.map { example in
            let prompt = promptTokens(example.prompt)
            return (prompt + responseTokens(example.response), prompt.count)
        }, context: model.configuration.contextLength)
        let V = model.configuration.vocabularySize
        // The tokens come from the model's own tokenizer and the lengths were checked: forward cannot fail here.
        let activations = try! model.forward(tokens: batch.tokens, sequences: batch.sequences, readingOut: batch.readOut.lengths, threads: threads,
                                             forBackward: forBackward)
        let frozen = model, threads = threads
        return (batch.values(logits: activations.logits, vocabulary: V), { upstream in
            frozen.backward(activations, logitGradient: batch.logitGradient(logits: activations.logits, vocabulary: V, upstream: upstream),
                            threads: threads)
        })
    }

    public func logProbability(of response: Text, given prompt: Prompt) -> Double {
        logProbabilities([Example(prompt: prompt, response: response)])[0]
    }

    /// The most sequences one pass holds (bounds the activations' and the key-value cache's memory).
    static let maxBatchRows = 64

    /// Batched forward passes of at most `maxBatchRows` sequences, keeping nothing for a backward pass.
    public func logProbabilities(_ batch: [Example]) -> [Double] {
        stride(from: 0, to: batch.count, by: Self.maxBatchRows).flatMap { start in
            pass(Array(batch[start..<min(start + Self.maxBatchRows, batch.count)]), forBackward: false).values
        }
    }

    public func sample(_ prompt: Prompt, count: Int, using stream: RandomStream) -> [Text] { sample([prompt], count: count, using: stream)[0] }

    /// Prompts decode together, `count` rows each, in batches of `maxBatchRows / count` prompts (at least one);
    /// every step draws each live row's token from `stream` in row order, so the draws do not depend on the
    /// threads (they do depend on which prompts share a batch, as any one stream's draws do).
    public func sample(_ prompts: [Prompt], count: Int, using stream: RandomStream) -> [[Text]] {
        guard count > 0 else { return prompts.map { _ in [] } }
        let perBatch = max(1, Self.maxBatchRows / count)
        return stride(from: 0, to: prompts.count, by: perBatch).flatMap { start in
            let texts = generate(Array(prompts[start..<min(start + perBatch, prompts.count)]), count: count, weigh: sampling.probabilities,
                                 pick: { stream.categorical(weights: $0) })
            return stride(from: 0, to: texts.count, by: count).map { Array(texts[$0..<$0 + count]) }
        }
    }

    public func mostLikely(_ prompt: Prompt) -> Text { mostLikely([prompt])[0] }

    /// Greedy decoding: each step's likeliest token.
    public func mostLikely(_ prompts: [Prompt]) -> [Text] {
        stride(from: 0, to: prompts.count, by: Self.maxBatchRows).flatMap { start in
            generate(Array(prompts[start..<min(start + Self.maxBatchRows, prompts.count)]), count: 1,
                     weigh: { z in z.indices.max { z[$0] < z[$1] }! }, pick: { $0 })
        }
    }

    /// Decodes `count` responses for each prompt through the key-value cache (each prompt read once, then its
    /// rows copied), until the end of the turn or the length limit; rows are prompt-major. A choice has two
    /// parts: `weigh` turns a row's logits into what `pick` needs, for the rows on up to `threads` threads, then
    /// `pick` chooses for one row after another in order (it may draw from a stream). Control tokens other
    /// than the end of the turn are never chosen.
    private func generate<W>(_ prompts: [Prompt], count: Int, weigh: @Sendable ([Double]) -> W, pick: (W) -> Int) -> [Text] {
        let starts = prompts.map(promptTokens), V = model.configuration.vocabularySize, end = pretrained.endOfTurn
        let limits = starts.map { min(sampling.maxResponseTokens, model.configuration.contextLength - $0.count) }
        let rows = prompts.count * count
        var responses = [[Int32]](repeating: [], count: rows)
        // A prompt that leaves no room in the context gets empty responses; the others are read once each.
        let fitting = prompts.indices.filter { limits[$0] > 0 }
        let live = fitting.flatMap { p in (p * count)..<((p + 1) * count) }
        guard !live.isEmpty else { return responses.map(text) }
        let excluded = pretrained.tokenizer.controlTokens.subtracting([end])
        // The prompts come from the model's own tokenizer and fit the context: the model cannot fail here.
        var cache = LlamaModel<Float>.Cache(model, batch: fitting.count)
        let firstLogits = try! model.append(fitting.map { starts[$0] }, to: &cache, threads: threads)
        let slot = Dictionary(uniqueKeysWithValues: fitting.enumerated().map { ($1, $0) })  // prompt -> its cache sequence
        cache.select(live.map { slot[$0 / count]! })
        var logits = live.flatMap { firstLogits[slot[$0 / count]! * V..<(slot[$0 / count]! + 1) * V] }
        var rowsNow = live
        while !rowsNow.isEmpty {
            let logitsNow = logits
            let weighed = Parallel.map(rowsNow.count, threads: threads) { k in
                var z = (0..<V).map { Double(logitsNow[k * V + $0]) }
                for token in excluded { z[Int(token)] = -.infinity }
                return weigh(z)
            }
            var continuing: [Int] = [], next: [[Int32]] = []
            for (k, w) in weighed.enumerated() {
                let row = rowsNow[k], token = Int32(pick(w))
                guard token != end else { continue }
                responses[row].append(token)
                if responses[row].count < limits[row / count] {
                    continuing.append(k)
                    next.append([token])
                }
            }
            guard !continuing.isEmpty else { break }
            cache.select(continuing)
            rowsNow = continuing.map { rowsNow[$0] }
            logits = try! model.append(next, to: &cache, threads: threads)
        }
        return responses.map(text)
    }

    public static var savesCheckpoints: Bool { true }

    /// Writes the adapters as PEFT saves them into the folder `path` (see ``PEFTAdapter``).
    public func save(to path: String) throws {
        try PEFTAdapter.write(parameters, layout: model.adapters!.layout, model: model.configuration, to: path, baseModel: nil)
    }
}
