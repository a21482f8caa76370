import Foundation
import HumorGym
import Stochastics

/// Reward-weighted regression (Peters and Schaal, ICML 2007; for language models, the "RWR" baseline of
/// the RLHF literature): sample k responses per prompt from the current policy, have the critic score
/// them, and maximise the reward-weighted log-likelihood
///
///     L(theta) = -(1/N) sum_{i, j} w_ij log pi_theta(y_ij | x_i),
///     w_ij = min(clip, k * exp(r_ij / beta) / sum_l exp(r_il / beta))
///
/// (weights normalised over each prompt's k samples, mean 1 before clipping). With weights exp(r / beta)
/// taken in exact expectation over y ~ pi_ref (k -> infinity, no clipping), the optimum is
/// pi*(y | x) proportional to pi_ref(y | x) exp(r(x, y) / beta): the same target as KL-regularised RL and
/// DPO; finite k and the clip bias it towards pi_ref. More than one round of feedback re-samples from the
/// updated policy.
/// A sample the critic abstains on (an LLM answer without a score) is left out: k counts the scored ones.
public struct RewardWeightedRegression: Algorithm {
    public struct Parameters: Sendable, Equatable {
        /// Temperature of the exponential weights, in critic-score units.
        public var beta = 2.0
        /// Samples per prompt.
        public var samples = 6
        /// Largest weight of one sample, against a single lucky draw taking over.
        public var weightClip = 5.0
        /// 12 epochs over the weighted samples, scored afresh every 2 (6 rounds).
        public var schedule = FeedbackSchedule(epochs: 12, feedbackEvery: 2)
        public init() {}
    }

    public let name = "rwr"
    public var parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) { self.parameters = parameters }

    public init(from source: some ParameterSource) throws {
        var p = Parameters()
        p.beta = try source.double("beta", default: p.beta, range: 1e-6...1e6)
        p.samples = try source.int("samples", default: p.samples, range: 1...1000)
        p.weightClip = try source.double("weightClip", default: p.weightClip, range: 1...1e12)
        p.schedule = try FeedbackSchedule(from: source, defaults: p.schedule)
        try source.finish()
        self.init(p)
    }

    /// A sample with its regression weight.
    public struct WeightedExample: Sendable, Hashable {
        public var example: Example
        public var weight: Double
        public init(example: Example, weight: Double) {
            self.example = example
            self.weight = weight
        }
    }

    /// min(clip, k softmax(r / beta)) over one prompt's k rewards.
    public static func weights(rewards: [Double], beta: Double, clip: Double) -> [Double] {
        Softmax.probabilities(rewards, temperature: beta).map { min(clip, Double(rewards.count) * $0) }
    }

    /// The loss and dL/d log pi for a batch.
    public static func loss(logProbabilities: [Double], weights: [Double]) -> BatchLoss {
        let n = Double(weights.count)
        let value = -zip(weights, logProbabilities).reduce(0) { $0 + $1.0 * $1.1 } / n
        return BatchLoss(value: value, gradient: weights.map { -$0 / n },
                         metrics: ["weight_mean": weights.reduce(0, +) / n, "weight_max": weights.max() ?? 0])
    }

    public func train<P: TrainablePolicy>(_ policy: inout P, context: TrainingContext) async throws -> [StepMetrics] {
        var loop = GradientLoop<P>(algorithm: name, context: context)
        let sampling = try context.stream("sampling")
        return try await loop.rounds(parameters.schedule, &policy, stream: try context.stream("shuffle"),
                                     collect: { policy in
            // Roll out: k responses to each prompt of the environment's episode, rewarded by its critic.
            let prompts = context.environment.reset(seed: nil)
            let samples = policy.sample(prompts, count: parameters.samples, using: sampling)
            let rewards = try await context.environment.step(samples)
            var weighted: [WeightedExample] = [], scored: [Double] = []
            for (prompt, (responses, rewards)) in zip(prompts, zip(samples, rewards)) {
                // A sample the critic did not score (an LLM's abstention) leaves its prompt's group.
                let group = zip(responses, rewards).compactMap { response, reward in reward.map { (response, $0) } }
                if group.isEmpty { continue }
                let w = Self.weights(rewards: group.map(\.1), beta: parameters.beta, clip: parameters.weightClip)
                weighted += zip(group, w).map { WeightedExample(example: Example(prompt: prompt, response: $0.0), weight: $1) }
                scored += group.map(\.1)
            }
            return (weighted, ["reward_mean": scored.reduce(0, +) / Double(max(1, scored.count)),
                               "abstentions": Double(prompts.count * parameters.samples - scored.count)])
        }, examples: { [$0.example] }, loss: batchLoss)
    }

    /// Fits the policy to already weighted examples (the theory check calls this with exact weights).
    public func fit<P: TrainablePolicy>(_ policy: inout P, on samples: [WeightedExample], context: TrainingContext) throws -> [StepMetrics] {
        var loop = GradientLoop<P>(algorithm: name, context: context)
        return try loop.run(&policy, items: samples, epochs: parameters.schedule.epochs, stream: try context.stream("shuffle"),
                            examples: { [$0.example] }, loss: batchLoss)
    }

    private func batchLoss(_ batch: [WeightedExample], _ logProbabilities: [Double]) -> BatchLoss {
        Self.loss(logProbabilities: logProbabilities, weights: batch.map(\.weight))
    }
}
