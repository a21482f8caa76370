import HumorGym
import Stochastics
import Synchronization

/// A seeded statistical critic: the gold judge seen through GSL noise and the biases of LLM judges.
///
/// Statistical mode. The critic's utility of a response is
///     U(y) = gold_total(y) / temperature + taste(y) + lengthBias * |y| + teacherPreference * idiosyncrasy(y)
/// where taste(y) ~ N(0, tasteNoise^2) is the critic's own fixed opinion of each response (keyed by
/// `tasteSeed`, so it errs the same way in both orders and across calls: it sets the agreement with gold),
/// and a pairwise judgement of (a, b), a shown first, is
///     P(a better) = sigmoid(U(a) - U(b) + positionBias + e),   e ~ N(0, noise^2)  (GSL)
/// with the verdict `tie` when |P - 1/2| <= tieMargin, else the likelier side. The pointwise score is
/// U(y) + e / sqrt(2). Each call draws fresh noise e, as an LLM sampled at a temperature would: it and the
/// position bias set how often a verdict flips when the order is swapped.
///
/// Bradley-Terry mode. P(a beats b) = sigmoid((r(a) - r(b)) / temperature) with r the gold total, the
/// verdict drawn from that probability; the score is the utility u(y) = r(y) / temperature, exactly.
/// Learners trained on it can be checked against theory.
public final class MockCritic: Critic, RandomStateOwner {
    public enum Mode: String, Sendable, CaseIterable {
        case statistical
        case bradleyTerry = "bradley-terry"
    }

    public struct Configuration: Sendable, Equatable {
        public var mode = Mode.statistical
        /// Gold-total units per unit of logit: smaller is a sharper judge.
        public var temperature = 0.05
        /// Standard deviation of the critic's fixed per-response taste, in logits (statistical mode).
        public var tasteNoise = 1.35
        /// Seeds that taste: critics with the same tasteSeed share their opinions.
        public var tasteSeed: UInt64 = 1
        /// Standard deviation of the per-call logit noise (statistical mode).
        public var noise = 0.9
        /// Logit added in favour of whichever response is shown first.
        public var positionBias = 0.5
        /// Logit per token of length in favour of the longer response.
        public var lengthBias = 0.45
        /// Logit per unit of the teacher's idiosyncratic taste (self-preference); 0 turns it off.
        public var teacherPreference = 0.0
        /// |P - 1/2| at or below this is a tie.
        public var tieMargin = 0.0
        public init() {}

        /// A `critic:` or `evaluator:` section of kind `mock` (its `kind` already read); keys it does not
        /// hold keep the values of `defaults`.
        public init(from source: some ParameterSource, defaults: Configuration = Configuration()) throws {
            self = defaults
            mode = try source.choice("mode", default: mode)
            temperature = try source.double("temperature", default: temperature, range: 1e-6...1e6)
            tasteNoise = try source.double("tasteNoise", default: tasteNoise, range: 0...1e3)
            tasteSeed = try source.seed("tasteSeed", default: tasteSeed)
            noise = try source.double("noise", default: noise, range: 0...1e3)
            positionBias = try source.double("positionBias", default: positionBias, range: -100...100)
            lengthBias = try source.double("lengthBias", default: lengthBias, range: -100...100)
            teacherPreference = try source.double("teacherPreference", default: teacherPreference, range: -1e3...1e3)
            tieMargin = try source.double("tieMargin", default: tieMargin, range: 0...0.5)
            try source.finish()
        }
    }

    public let name: String
    public let configuration: Configuration
    private let gold: any GoldJudge
    private let idiosyncrasy: (@Sendable (Text, Prompt) -> Double)?
    private let stream: Mutex<RandomStream>

    /// - Parameter idiosyncrasy: the teacher's own taste, needed only when `teacherPreference` is not 0.
    public init(gold: any GoldJudge, configuration: Configuration = Configuration(), seed: UInt64,
                idiosyncrasy: (@Sendable (Text, Prompt) -> Double)? = nil, name: String = "mock") {
        precondition(configuration.temperature > 0, "MockCritic temperature must be positive")
        precondition(configuration.teacherPreference == 0 || idiosyncrasy != nil,
                     "MockCritic: teacherPreference needs the teacher's idiosyncrasy")
        self.name = name
        self.configuration = configuration
        self.gold = gold
        self.idiosyncrasy = idiosyncrasy
        self.stream = Mutex(RandomStream(seed: seed))
    }

    /// Its noise generator's state, so that a training checkpoint can hold it (``RandomStreams/track(_:_:)``).
    public var randomState: [UInt8] { stream.withLock { $0.state } }

    public func restoreRandomState(_ state: [UInt8]) throws { try stream.withLock { try $0.restore(state) } }

    /// The critic's noiseless utility of a response (see the type's documentation).
    public func utility(_ response: Text, for prompt: Prompt) -> Double {
        let c = configuration
        let u = gold.judge(response, for: prompt).total / c.temperature
        guard c.mode == .statistical else { return u }
        var biased = u + c.lengthBias * Double(response.count)
        if c.tasteNoise > 0 { biased += c.tasteNoise * HashedNoise.gaussian(seed: c.tasteSeed, salt: prompt.id, tokens: response.tokens) }
        if c.teacherPreference != 0, let idiosyncrasy { biased += c.teacherPreference * idiosyncrasy(response, prompt) }
        return biased
    }

    public func score(_ response: Text, for prompt: Prompt) async throws -> Double {
        scoreNow(Example(prompt: prompt, response: response))
    }

    public func compare(_ pair: PairRequest) async throws -> PairwiseJudgement {
        judgeNow(pair)
    }

    public func score(_ examples: [Example]) async throws -> [Double] { examples.map(scoreNow) }

    public func compare(_ pairs: [PairRequest]) async throws -> [PairwiseJudgement] { judgeNow(pairs) }

    /// Judges a batch synchronously, taking the generator's lock once: the fast path for simulations.
    public func judgeNow(_ pairs: [PairRequest]) -> [PairwiseJudgement] {
        stream.withLock { rng in pairs.map { judge($0, rng) } }
    }

    public func judgeNow(_ pair: PairRequest) -> PairwiseJudgement {
        stream.withLock { rng in judge(pair, rng) }
    }

    private func scoreNow(_ example: Example) -> Double {
        let u = utility(example.response, for: example.prompt)
        guard configuration.mode == .statistical, configuration.noise > 0 else { return u }
        return u + stream.withLock { $0.gaussian(sigma: configuration.noise / 2.0.squareRoot()) }
    }

    @inline(__always) private func judge(_ pair: PairRequest, _ rng: RandomStream) -> PairwiseJudgement {
        let c = configuration
        let difference = utility(pair.first, for: pair.prompt) - utility(pair.second, for: pair.prompt)
        switch c.mode {
        case .bradleyTerry:
            let p = Softmax.sigmoid(difference)
            return PairwiseJudgement(probabilityFirstBetter: p, verdict: rng.bernoulli(p) ? .first : .second)
        case .statistical:
            let p = Softmax.sigmoid(difference + c.positionBias + (c.noise > 0 ? rng.gaussian(sigma: c.noise) : 0))
            let verdict: Verdict = abs(p - 0.5) <= c.tieMargin ? .tie : (p > 0.5 ? .first : .second)
            return PairwiseJudgement(probabilityFirstBetter: p, verdict: verdict)
        }
    }
}
