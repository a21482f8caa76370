import Foundation
import HumorGym
import LinearAlgebra
import Stochastics

/// The transformer as a student: a token-level language model over "prompt <sep> response <eos>".
///
/// log pi(y | x) is the sum of log p(token | prefix) over the response tokens and `<eos>` (the prompt is
/// conditioned on, never scored), so every learner trains it through the same pull-back as any other
/// student. Parameters are `Float`; the gradient comes from the model's own backward pass.
public struct TransformerPolicy: TrainablePolicy {
    public typealias Scalar = Float

    /// How responses are drawn: softmax(logits / temperature), restricted to the top k tokens (0: all) and
    /// to the smallest set whose probability reaches topP (1: all).
    public struct Sampling: Sendable, Equatable {
        public var temperature = 1.0
        public var topK = 0
        public var topP = 1.0
        /// Longest response; never more than the context leaves after the prompt.
        public var maxResponseTokens = 32
        /// Beams for the most likely response (the paper decodes with 5); 1 is greedy decoding.
        public var beams = 5
        public init() {}


        /// These settings with greedy decoding for the most likely response (a student without beam search).
        public static var greedy: Sampling {
            var s = Sampling()
            s.beams = 1
            return s
        }

        /// A policy file's `sampling:` section, or a checkpoint's metadata.
        public init(from source: some ParameterSource) throws {
            self.init()
            try read(source)
        }

        /// The keys `source` sets, over these settings.
        public mutating func read(_ source: some ParameterSource) throws {
            temperature = try source.double("temperature", default: temperature, range: 1e-3...100)
            topK = try source.int("topK", default: topK, range: 0...1_000_000)
            topP = try source.double("topP", default: topP, range: 1e-6...1)
            maxResponseTokens = try source.int("maxResponseTokens", default: maxResponseTokens, range: 1...4096)
            beams = try source.int("beams", default: beams, range: 1...64)
            try source.finish()
        }

        /// Why sampling cannot use these settings (nil when it can): what the policy needs whatever built them.
        /// The ranges a file may ask for are in ``read(_:)``.
        public var problem: String? {
            temperature > 0 && temperature.isFinite && topK >= 0 && topP > 0 && topP <= 1 && maxResponseTokens >= 1 && beams >= 1 ? nil
                : "sampling needs a positive temperature, topK >= 0, topP in (0, 1], maxResponseTokens and beams >= 1 (temperature \(temperature), topK \(topK), topP \(topP), maxResponseTokens \(maxResponseTokens), beams \(beams))"
        }

        /// The probabilities a response's next token is drawn from, given the logits of the tokens it may be.
        public func probabilities(_ logits: [Double]) -> [Double] {
            TransformerPolicy.truncated(logits, temperature: temperature, topK: topK, topP: topP)
        }

        /// The settings as `init(from:)` reads them (a checkpoint's metadata).
        public var parameters: ParameterDictionary {
            ["temperature": .init("\(temperature)"), "topK": .init(String(topK)), "topP": .init("\(topP)"),
             "maxResponseTokens": .init(String(maxResponseTokens)), "beams": .init(String(beams))]
        }
    }

    public let tokenizer: Tokenizer
    public var model: TransformerModel<Float>
    public var sampling: Sampling
    /// Threads that run a batch's shards (with BLAS single-threaded); results are the same for any count.
    /// A setting of this process, not of the model: checkpoints do not keep it.
    public var threads = 1

    public init(tokenizer: Tokenizer, configuration: TransformerConfiguration, sampling: Sampling = Sampling()) throws {
        if let problem = sampling.problem { throw TransformerError.invalidConfiguration(problem) }
        var c = configuration
        c.vocabularySize = tokenizer.count
        self.tokenizer = tokenizer
        self.model = try TransformerModel(c)
        self.sampling = sampling
    }

    public var parameters: [Float] {
        get { model.parameters }
        set { model.parameters = newValue }
    }

    /// "prompt `<sep>` response `<eos>`" for each example, `<eos>` the last target; a training pass's `noise`
    /// keys the tokenizer's BPE-dropout, example by example.
    private func batch(_ examples: [Example], noise: UInt64?) -> ResponseBatch {
        ResponseBatch(examples.enumerated().map { i, example in
            tokenizer.sequence(prompt: example.prompt.text, response: example.response, noise: noise.map { Dropout.key($0, part: i) })
        }, context: model.configuration.contextLength)
    }

    public func logProbabilitiesWithPullback(_ examples: [Example]) -> (values: [Double], pullback: ([Double]) -> [Float]) {
        pass(examples, dropout: nil, noise: nil)
    }

    /// With the configuration's dropout, its masks keyed by `noise`, and the tokenizer's BPE-dropout.
    public func trainingLogProbabilitiesWithPullback(_ examples: [Example], noise: UInt64) -> (values: [Double], pullback: ([Double]) -> [Float]) {
        let rate = model.configuration.dropout
        return pass(examples, dropout: rate > 0 ? Dropout(rate: rate, key: noise) : nil, noise: noise)
    }

    private func pass(_ examples: [Example], dropout: Dropout?, noise: UInt64?) -> (values: [Double], pullback: ([Double]) -> [Float]) {
        guard !examples.isEmpty else { return ([], { _ in Array(repeating: 0, count: model.parameters.count) }) }
        let batch = batch(examples, noise: noise), V = model.configuration.vocabularySize
        // The tokens were mapped into the vocabulary and the lengths checked: forward cannot fail here.
        let activations = try! model.forward(tokens: batch.tokens, sequences: batch.sequences, readingOut: batch.readOut.lengths,
                                             dropout: dropout, threads: threads)
        let frozen = model, threads = threads
        return (batch.values(logits: activations.logits, vocabulary: V), { upstream in
            frozen.backward(activations, logitGradient: batch.logitGradient(logits: activations.logits, vocabulary: V, upstream: upstream),
                            threads: threads)
        })
    }

    public func logProbability(of response: Text, given prompt: Prompt) -> Double {
        logProbabilities([Example(prompt: prompt, response: response)])[0]
    }

    /// Batched forward passes of at most `maxBatchRows` sequences (no backward pass is kept).
    public func logProbabilities(_ batch: [Example]) -> [Double] {
        stride(from: 0, to: batch.count, by: Self.maxBatchRows).flatMap { start in
            logProbabilitiesWithPullback(Array(batch[start..<min(start + Self.maxBatchRows, batch.count)])).values
        }
    }

    public func sample(_ prompt: Prompt, count: Int, using stream: RandomStream) -> [Text] {
        sample([prompt], count: count, using: stream)[0]
    }

    /// Decodes prompts of equal length in model tokens together (see ``decodingBatches(_:rowsPerPrompt:)``),
    /// so that every step is one batched pass.
    public func sample(_ prompts: [Prompt], count: Int, using stream: RandomStream) -> [[Text]] {
        var out = [[Text]](repeating: [], count: prompts.count)
        for chunk in decodingBatches(prompts, rowsPerPrompt: count) {
            let texts = generate(chunk.map { prompts[$0] }, count: count, weigh: sampling.probabilities, pick: { stream.categorical(weights: $0) })
            for (k, i) in chunk.enumerated() { out[i] = Array(texts[(k * count)..<((k + 1) * count)]) }
        }
        return out
    }

    /// The most sequences one batched pass holds (bounds the activations' and key-value cache's memory).
    static let maxBatchRows = 512

    /// The prompts' indices in batches that decode together: prompts of one length in model tokens, at most
    /// `maxBatchRows` rows at `rowsPerPrompt` rows each, in order of length, then of first appearance. A row's
    /// results do not depend on the rows beside it, so batching changes no output.
    func decodingBatches(_ prompts: [Prompt], rowsPerPrompt: Int) -> [[Int]] {
        var groups: [Int: [Int]] = [:]
        for (i, p) in prompts.enumerated() { groups[tokenizer.start(p.text).count, default: []].append(i) }
        let perBatch = max(1, Self.maxBatchRows / max(1, rowsPerPrompt))
        return groups.keys.sorted().flatMap { length in
            let members = groups[length]!
            return stride(from: 0, to: members.count, by: perBatch).map { Array(members[$0..<min($0 + perBatch, members.count)]) }
        }
    }

    /// Beam search with `sampling.beams` beams (greedy decoding for 1): the response with the highest
    /// length-normalised log-probability among the hypotheses the beams reach.
    public func mostLikely(_ prompt: Prompt) -> Text { mostLikely([prompt])[0] }

    /// Each prompt's most likely response, the prompts searched together in batches.
    public func mostLikely(_ prompts: [Prompt]) -> [Text] {
        var out = [Text](repeating: tokenizer.text([]), count: prompts.count)
        for chunk in decodingBatches(prompts, rowsPerPrompt: sampling.beams) {
            let texts = sampling.beams > 1 ? beamSearch(chunk.map { prompts[$0] }, beams: sampling.beams)
                : generate(chunk.map { prompts[$0] }, count: 1, weigh: { z in z.indices.max { z[$0] < z[$1] }! }, pick: { $0 })
            for (k, i) in chunk.enumerated() { out[i] = texts[k] }
        }
        return out
    }

    /// Decodes `count` responses for each prompt (all of one length in model tokens) in one batch with the key-value cache,
    /// choosing each next token until `<eos>` or the length limit; rows are prompt-major. A choice has two parts:
    /// `weigh` turns a row's logits into what `pick` needs, for the rows on up to `threads` threads, then `pick`
    /// chooses for one row after another in order (it may draw from a stream). The special tokens other than
    /// `<eos>` are never chosen.
    private func generate<W>(_ prompts: [Prompt], count: Int, weigh: @Sendable ([Double]) -> W, pick: (W) -> Int) -> [Text] {
        let starts = prompts.map { tokenizer.start($0.text) }
        let promptLength = starts.first?.count ?? 0
        precondition(starts.allSatisfy { $0.count == promptLength }, "generate: prompts of one length only")
        let limit = min(sampling.maxResponseTokens, model.configuration.contextLength - promptLength)
        let rows = prompts.count * count
        guard rows > 0, limit > 0 else { return Array(repeating: tokenizer.text([]), count: rows) }
        // The tokens are in the vocabulary and the lengths within the context: the model cannot fail here.
        var (cache, logits) = try! model.prefill(tokens: starts.flatMap { Array(Array(repeating: $0, count: count).joined()) },
                                                 batch: rows, length: promptLength, threads: threads)
        var responses = [[Int32]](repeating: [], count: rows)
        /// The rows still in the batch, in order: batch row k decodes response live[k].
        var live = Array(0..<rows)
        var done = [Bool](repeating: false, count: rows)
        for step in 0..<limit {
            var next = [Int32](repeating: tokenizer.padding, count: live.count)
            let choosing = live.indices.filter { !done[live[$0]] }
            let logitsNow = logits
            let weighed = Parallel.map(choosing.count, threads: threads) { n in weigh(choosable(logitsNow, row: choosing[n])) }
            for (k, w) in zip(choosing, weighed) {
                let i = live[k]
                next[k] = Int32(pick(w))
                if next[k] == tokenizer.endOfText { done[i] = true } else { responses[i].append(next[k]) }
            }
            if step == limit - 1 || !done.contains(false) { break }
            // Finished rows decode padding (their outputs ignored) until a quarter of the batch has finished;
            // then the cache drops them, a copy that pays for itself within a couple of steps.
            let unfinished = live.indices.filter { !done[live[$0]] }
            if unfinished.count <= live.count * 3 / 4 {
                cache.select(unfinished)
                next = unfinished.map { next[$0] }
                live = unfinished.map { live[$0] }
            }
            logits = try! model.decode(next, cache: &cache, threads: threads)
        }
        return responses.map(tokenizer.text)
    }

    /// Row `row` of a decoding step's logits, with the special tokens other than `<eos>` ruled out (-infinity).
    func choosable(_ logits: [Float], row: Int) -> [Double] {
        let V = model.configuration.vocabularySize
        var z = (0..<V).map { Double(logits[row * V + $0]) }
        z[Int(tokenizer.separator)] = -.infinity
        z[Int(tokenizer.padding)] = -.infinity
        return z
    }

    /// Probabilities after temperature, top-k and top-p truncation (the nucleus of Holtzman et al., 2020).
    static func truncated(_ logits: [Double], temperature: Double, topK: Int, topP: Double) -> [Double] {
        let p = Softmax.probabilities(logits, temperature: temperature)
        guard topK > 0 || topP < 1 else { return p }  // no cut: no need to rank the vocabulary
        func ranked(_ indices: some Sequence<Int>) -> [Int] { indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 } }
        /// How many of `order`'s first tokens stay, or nil when the nucleus reaches past them.
        func kept(_ order: [Int]) -> Int? {
            let keep = topK > 0 ? min(topK, order.count) : order.count
            guard topP < 1 else { return keep }
            var mass = 0.0
            guard let last = order.firstIndex(where: { mass += p[$0]; return mass >= topP }) else { return order.count == p.count ? keep : nil }
            return min(keep, last + 1)
        }
        // The tokens at or below (1 - topP) / V hold at most 1 - topP of the mass, so the nucleus lies among the
        // rest: ranking those (a few dozen of hundreds) gives the order and the cut that ranking all would.
        // Should rounding leave their mass short of topP, every token is ranked.
        var order = ranked(p.indices.filter { topP == 1 || p[$0] > (1 - topP) / Double(p.count) })
        var keep = kept(order)
        if keep == nil {
            order = ranked(p.indices)
            keep = kept(order)
        }
        var q = [Double](repeating: 0, count: p.count)
        for i in order.prefix(keep!) { q[i] = p[i] }
        return q
    }
}
