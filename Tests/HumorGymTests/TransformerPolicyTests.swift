import Learners
import Critics
import Experiments
import Foundation
import HumorGym
import Policies
@testable import Transformer
import Stochastics
import Testing
import Worlds
import Teachers

@Suite struct TransformerPolicyTests {
    let world = Fixtures.small

    func policy(seed: UInt64 = 1) throws -> TransformerPolicy {
        var c = TransformerConfiguration(vocabularySize: 1)
        c.contextLength = 40; c.width = 16; c.layers = 1; c.heads = 2; c.initializationSeed = seed
        return try TransformerPolicy(tokenizer: Tokenizer(vocabulary: world.vocabulary), configuration: c)
    }

    @Test func tokenizerWrapsTheWorldsVocabulary() {
        let t = Tokenizer(vocabulary: world.vocabulary)
        #expect(t.count == world.vocabulary.count + 3)
        let p = world.prompts(.train)[0]
        let (tokens, start) = t.sequence(prompt: p.text, response: Fixtures.tokens([5, -3, 99_999]))
        #expect(tokens == p.text.tokens + [t.separator, 5, 0, 0, t.endOfText])  // unknown tokens become <unk>
        #expect(start == p.text.count + 1)
        #expect(t.render([t.separator, t.endOfText, t.padding]) == "<sep> <eos> <pad>")
        #expect(t.render([-1, t.padding + 1]) == "<unk> <unk>")
    }

    @Test func logProbabilitiesScoreTheResponseOnlyAndDoNotDependOnTheBatch() throws {
        let policy = try policy()
        let p = world.prompts(.train)[0], q = world.prompts(.train)[1]
        let short = world.candidates[p][0], long = world.candidates[p][3]
        let batch = [Example(prompt: p, response: long), Example(prompt: q, response: short), Example(prompt: p, response: short)]
        let together = policy.logProbabilitiesWithPullback(batch).values
        let alone = batch.map { policy.logProbability(of: $0.response, given: $0.prompt) }
        for (a, b) in zip(together, alone) { #expect(abs(a - b) < 1e-4, "\(a) vs \(b)") }
        #expect(together.allSatisfy { $0 < 0 })
        #expect(together[1] != together[2])  // the prompt conditions the response
        let normalized = policy.lengthNormalizedLogProbabilities(batch)
        for (i, e) in batch.enumerated() { #expect(abs(normalized[i] - policy.logProbabilities(batch)[i] / Double(e.response.count)) < 1e-12) }
        // An empty response still has to say <eos>: one scored token.
        #expect(policy.logProbability(of: Fixtures.tokens([]), given: p) < 0)
        // Longer than the context: the policy cannot produce it.
        #expect(policy.logProbability(of: Fixtures.tokens(Array(repeating: 5, count: 60)), given: p) == -.infinity)
    }

    @Test func pullbackIsTheGradientAlongItsOwnDirection() throws {
        var policy = try policy()
        let batch = world.prompts(.train).prefix(4).map { Example(prompt: $0, response: world.candidates[$0][2]) }
        let upstream = [1.0, -0.5, 2.0, 0.25]
        let (_, pullback) = policy.logProbabilitiesWithPullback(batch)
        let g = pullback(upstream)
        let norm = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let theta = policy.parameters
        func f(_ t: Double) -> Double {
            policy.parameters = zip(theta, g).map { $0 + Float(t * Double($1) / norm) }
            return zip(upstream, policy.logProbabilities(batch)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let numeric = (f(1e-2) - f(-1e-2)) / 2e-2
        #expect(abs(numeric - norm) < 0.02 * norm, "directional derivative \(numeric) vs gradient norm \(norm)")
    }

    @Test func samplesThatFillTheContextStillHaveAProbability() throws {
        var c = TransformerConfiguration(vocabularySize: 1)
        c.contextLength = 12; c.width = 8; c.layers = 1; c.heads = 2
        let p = try TransformerPolicy(tokenizer: Tokenizer(vocabulary: world.vocabulary), configuration: c)
        let prompt = Prompt(id: 0, split: .test, text: Fixtures.tokens([1, 2]))
        let samples = p.sample(prompt, count: 50, using: RandomStream(seed: 4))
        #expect(samples.contains { $0.count == 12 - 3 })  // prompt, <sep> and the response fill the context
        for s in samples { #expect(p.logProbability(of: s, given: prompt).isFinite) }
    }

    @Test func samplingIsSeededAndTopKOneIsGreedy() throws {
        var policy = try policy()
        let p = world.prompts(.test)[0]
        let a = policy.sample(p, count: 4, using: RandomStream(seed: 3)), b = policy.sample(p, count: 4, using: RandomStream(seed: 3))
        #expect(a == b)
        #expect(a.allSatisfy { $0.count <= policy.sampling.maxResponseTokens })
        policy.sampling.topK = 1
        policy.sampling.beams = 1
        #expect(policy.sample(p, count: 2, using: RandomStream(seed: 9)) == [policy.mostLikely(p), policy.mostLikely(p)])
    }

    /// Rows that finish leave the decoding batch (once a quarter of it has finished); the others decode as they
    /// would alone: greedy samples of prompts batched together equal each prompt's greedy decoding on its own,
    /// with the responses ending at many different steps.
    @Test func rowsThatFinishLeaveTheBatchAndTheRestDecodeAsAlone() throws {
        var policy = try policyOverTwoWords(sigma: 0.5)
        policy.sampling.topK = 1
        policy.sampling.beams = 1
        let together = policy.sample(promptsOfFourTokens, count: 1, using: RandomStream(seed: 2)).map { $0[0] }
        #expect(together == promptsOfFourTokens.map { policy.mostLikely($0) })
        // Rows end after 4, 6 and 8 tokens: the batch drops the finished ones twice before the last end.
        #expect(together.map(\.count) == [8, 8, 8, 8, 4, 4, 4, 4, 8, 6, 8, 6, 6, 6, 4, 4])
    }

    /// Beam searches of many prompts run as one batch, each prompt's live beams a block of rows that leaves
    /// the batch when its search ends: every prompt's response equals its search alone.
    @Test func promptsSearchedTogetherFindWhatEachFindsAlone() throws {
        var policy = try policyOverTwoWords(sigma: 2)
        policy.sampling.beams = 3
        let together = policy.mostLikely(promptsOfFourTokens)
        #expect(together == promptsOfFourTokens.map { policy.mostLikely($0) })
        #expect(Set(together.map(\.count)).count > 2, "searches end at different steps: \(together.map(\.count))")
    }

    /// A small student over {a, b} with larger weights than the initial ones (`sigma` of noise added), so that
    /// what a row attends to decides its tokens.
    func policyOverTwoWords(sigma: Double) throws -> TransformerPolicy {
        var c = TransformerConfiguration(vocabularySize: 1)
        c.contextLength = 24; c.width = 8; c.layers = 1; c.heads = 2
        var policy = try TransformerPolicy(tokenizer: Tokenizer(words: ["<unk>", "a", "b"]), configuration: c)
        let noise = RandomStream(seed: 7)
        policy.parameters = policy.parameters.map { $0 + Float(noise.gaussian(sigma: sigma)) }
        return policy
    }

    /// Every prompt of four tokens over {a, b}: one length, so one batch of 16.
    let promptsOfFourTokens = (0..<16).map { n in
        Prompt(id: n, split: .test, text: Fixtures.tokens((0..<4).map { Int32(1 + (n >> $0) & 1) }))
    }

    @Test func truncationByHand() {
        let logits = [0, log(2.0), log(4.0)]
        func close(_ a: [Double], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 } }
        #expect(close(TransformerPolicy.truncated(logits, temperature: 1, topK: 0, topP: 1), [1.0 / 7, 2.0 / 7, 4.0 / 7]))
        #expect(close(TransformerPolicy.truncated(logits, temperature: 1, topK: 2, topP: 1), [0, 2.0 / 7, 4.0 / 7]))
        #expect(close(TransformerPolicy.truncated(logits, temperature: 1, topK: 0, topP: 0.5), [0, 0, 4.0 / 7]))
        #expect(close(TransformerPolicy.truncated(logits, temperature: 1, topK: 0, topP: 0.6), [0, 2.0 / 7, 4.0 / 7]))
        #expect(close(TransformerPolicy.truncated(logits, temperature: 0.5, topK: 0, topP: 1), [1.0 / 21, 4.0 / 21, 16.0 / 21]))
    }

    /// Ranking only the tokens that can be in the nucleus cuts exactly where ranking the whole vocabulary
    /// does: same bits, on peaked and flat distributions, with ties and with top-k.
    @Test func truncationRanksFewTokensAndCutsAsRankingAllWould() {
        func rankingAll(_ logits: [Double], temperature: Double, topK: Int, topP: Double) -> [Double] {
            var p = Softmax.probabilities(logits, temperature: temperature)
            let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }
            var keep = topK > 0 ? min(topK, order.count) : order.count
            var mass = 0.0
            for (rank, i) in order.enumerated() where topP < 1 {
                mass += p[i]
                if mass >= topP { keep = min(keep, rank + 1); break }
            }
            for i in order.dropFirst(keep) { p[i] = 0 }
            return p
        }
        let stream = RandomStream(seed: 11)
        for trial in 0..<300 {
            let scale = [0.1, 1, 4, 12][trial % 4]
            // Rounded logits make ties.
            let logits = (0..<500).map { _ in (stream.uniform() * scale * 8).rounded() / 8 }
            for (topK, topP) in [(0, 0.9), (0, 0.5), (0, 0.999), (5, 0.9), (400, 0.95), (3, 1.0)] {
                #expect(TransformerPolicy.truncated(logits, temperature: 1, topK: topK, topP: topP)
                    == rankingAll(logits, temperature: 1, topK: topK, topP: topP), "trial \(trial), topK \(topK), topP \(topP)")
            }
        }
    }

    @Test func imitationLowersHeldOutCrossEntropy() async throws {
        var policy = try policy()
        let teacher = WorldTeacher(world: world, seed: 2)
        let train = world.prompts(.train), heldOut = world.prompts(.test)
        let heldOutExamples = heldOut.flatMap { p in teacher.outputs(for: p, count: 3).map { Example(prompt: p, response: $0) } }
        let tokens = heldOutExamples.reduce(0) { $0 + $1.response.count + 1 }
        func crossEntropy() -> Double { -policy.logProbabilities(heldOutExamples).reduce(0, +) / Double(tokens) }
        let before = crossEntropy()
        var parameters = Imitation.Parameters()
        parameters.epochs = 6
        let context = TrainingContext(prompts: train, demonstrations: train.map { teacher.outputs(for: $0, count: 3) },
                                      critic: MockCritic(gold: world.goldJudge, seed: 1),
                                      optimizer: OptimizerSettings(learningRate: 3e-3, batchSize: 16, clipNorm: 1), seeds: SeedSequence(root: 1))
        _ = try await Imitation(parameters).train(&policy, context: context)
        let after = crossEntropy()
        #expect(after < before - 1, "held-out cross-entropy per token: \(before) -> \(after)")
    }

    @Test func everyLearnerTrainsTheTransformerEndToEnd() async throws {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 12; env.paraphrase.testPrompts = 4; env.paraphrase.oodPrompts = 4; env.paraphrase.candidatesPerPrompt = 8
        env.evaluation.samplesPerPrompt = 2
        let yaml = """
        kind: transformer
        model: {context: 40, width: 16, layers: 1, heads: 2}
        sampling: {maxResponseTokens: 16}
        warmStart: {epochs: 2}
        algorithms:
          imitation: {epochs: 1}
          rwr: {epochs: 1, samples: 2}
          dpo: {epochs: 1, samples: 3, maxLengthRatio: 0}
          sd: {epochs: 1, samples: 3, maxLengthRatio: 0}
          brio: {epochs: 1, samples: 3, maxLengthRatio: 0}
        """
        let spec = try PolicySpec(yaml: yaml, file: "tiny.yaml")
        let learners = ["imitation", "rwr", "dpo", "sd", "brio", "brio-dpo"]
        let result = try await Comparison(experiment: Experiment(environment: env, policy: spec), algorithms: learners, seedCount: 1).run().report
        #expect(result.runs.map(\.algorithm) == learners)
        for run in result.runs {
            #expect(run.steps > 0, "\(run.algorithm) took no step")
            #expect(run.metrics["test"]!.kl.isFinite && run.metrics["test"]!.wtr >= 0)
        }
    }
}

@Suite struct BeamSearchTests {
    /// A model small enough to enumerate: three words, responses of at most three tokens.
    func policy(beams: Int) throws -> TransformerPolicy {
        var c = TransformerConfiguration(vocabularySize: 1)
        c.contextLength = 8; c.width = 8; c.layers = 1; c.heads = 2; c.initializationSeed = 11
        var p = try TransformerPolicy(tokenizer: Tokenizer(words: ["<unk>", "a", "b"]), configuration: c)
        let stream = RandomStream(seed: 2)
        p.parameters = p.parameters.map { $0 + Float(stream.gaussian(sigma: 0.8)) }
        p.sampling.maxResponseTokens = 3
        p.sampling.beams = beams
        return p
    }

    /// The beam-search score of a response, computed directly: sum of scored token log-probabilities
    /// (with `<eos>` unless the response reached the length limit) over their number.
    func score(_ policy: TransformerPolicy, _ response: [Int32], prompt: [Int32]) throws -> Double {
        let t = policy.tokenizer
        let finished = response.count < policy.sampling.maxResponseTokens
        let tokens = prompt + [t.separator] + response + (finished ? [t.endOfText] : [])
        let a = try policy.model.forward(tokens: tokens, batch: 1, length: tokens.count)
        let targets = tokens.indices.map { i in i + 1 < tokens.count && i + 1 > prompt.count ? tokens[i + 1] : -1 }
        let values = NextTokenLogProbabilities.values(logits: a.logits, vocabulary: t.count, targets: targets)
        return values.reduce(0.0) { $0 + Double($1) } / Double(response.count + (finished ? 1 : 0))
    }

    @Test func aWideBeamFindsTheBestResponseByExhaustiveSearch() throws {
        let wide = try policy(beams: 64)
        let prompt = Prompt(id: 0, split: .test, text: Fixtures.tokens([1, 2]))
        var all: [[Int32]] = [[]]
        for length in 1...3 { all += all.filter { $0.count == length - 1 }.flatMap { r in [0, 1, 2].map { r + [Int32($0)] } } }
        let best = try all.max { try score(wide, $0, prompt: [1, 2]) < score(wide, $1, prompt: [1, 2]) }!
        #expect(wide.mostLikely(prompt).tokens == best)
        // One beam is greedy decoding.
        let greedy = try policy(beams: 1)
        var top = greedy
        top.sampling.topK = 1
        #expect(greedy.mostLikely(prompt) == top.sample(prompt, count: 1, using: RandomStream(seed: 1))[0])
    }
}
