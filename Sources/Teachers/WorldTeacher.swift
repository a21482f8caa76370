import Foundation
import HumorGym
import Stochastics

/// The world's teacher: an LLM stand-in that writes N outputs per prompt by sampling the prompt's
/// candidates, without replacement, from softmax(sharpness * taste / temperature), where
///     taste(y) = gold_total(y) + lengthTaste * |y| + quirk(y),   quirk(y) ~ N(0, quirkSigma)
/// is fixed per (prompt, response). The teacher is good but not the best possible: it likes long outputs
/// and has quirks of its own, so copying its distribution is not the best a student can do.
public struct WorldTeacher: Teacher {
    public struct Configuration: Sendable, Equatable {
        public var temperature = 0.8
        public var sharpness = 10.0
        public var lengthTaste = 0.008
        public var quirkSigma = 0.08
        public init() {}

        /// The `teacher:` section of an environment file (its `kind` and `outputsPerPrompt` already read).
        public init(from source: some ParameterSource) throws {
            temperature = try source.double("temperature", default: temperature, range: 1e-3...100)
            sharpness = try source.double("sharpness", default: sharpness, range: 0...1e4)
            lengthTaste = try source.double("lengthTaste", default: lengthTaste, range: -1...1)
            quirkSigma = try source.double("quirkSigma", default: quirkSigma, range: 0...10)
            try source.finish()
        }
    }

    public let name = "world-teacher"
    public let world: any SimulatedWorld
    public let configuration: Configuration
    public let seed: UInt64

    public init(world: any SimulatedWorld, configuration: Configuration = Configuration(), seed: UInt64) {
        self.world = world
        self.configuration = configuration
        self.seed = seed
    }

    /// The teacher's own part of its taste: its length preference and its quirk (what a self-preferring
    /// critic also likes).
    public func idiosyncrasy(_ response: Text, for prompt: Prompt) -> Double {
        let z = HashedNoise.gaussian(seed: seed, salt: prompt.id, tokens: response.tokens)
        return configuration.lengthTaste * Double(response.count) + configuration.quirkSigma * z
    }

    public func taste(_ response: Text, for prompt: Prompt) -> Double {
        world.goldJudge.judge(response, for: prompt).total + idiosyncrasy(response, for: prompt)
    }

    public func demonstrations(for prompts: [Prompt], count: Int) async throws -> [[Text]] {
        prompts.map { outputs(for: $0, count: count) }
    }

    /// The teacher's outputs for one prompt: a function of (teacher seed, prompt) alone.
    public func outputs(for prompt: Prompt, count: Int) -> [Text] {
        let candidates = world.candidates[prompt]
        let stream = SeedSequence(root: seed).stream("teacher-\(prompt.id)")
        var logits = candidates.map { configuration.sharpness * taste($0, for: prompt) }
        var out: [Text] = []
        for _ in 0..<min(count, candidates.count) {
            let i = stream.categorical(logits: logits, temperature: configuration.temperature)
            out.append(candidates[i])
            logits[i] = -.infinity
        }
        return out
    }
}
