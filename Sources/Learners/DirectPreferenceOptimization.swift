import Foundation
import HumorGym
import Stochastics

/// Direct preference optimisation (Rafailov et al., NeurIPS 2023), as Small But Funny (Ravi et al.,
/// ACL 2024) applies it: the student samples k responses per training prompt, the most different pair is
/// judged by the critic in both presentation orders (averaged), and the policy minimises
///
///     h = [log pi(y_w | x) - log pi_ref(y_w | x)] - [log pi(y_l | x) - log pi_ref(y_l | x)]
///     L = -q log sigmoid(beta h) - (1 - q) log sigmoid(-beta h)
///
/// with pi_ref the frozen policy the stage started from and q the critic's confidence that y_w is better
/// (q = 1 with `softLabels` off: the standard sigmoid loss; q < 1 is the conservative, label-smoothed
/// form, Mitchell 2023). dL/dh = beta (sigmoid(beta h) - q). Under a Bradley-Terry critic with utility u
/// and q = sigmoid(u_w - u_l), the optimum is pi*(y) proportional to pi_ref(y) exp(u(y) / beta).
public struct DirectPreferenceOptimization: Algorithm {
    public struct Parameters: Sendable, Equatable {
        public var beta = 0.2
        /// Student samples per prompt, from which the most different pair is judged.
        public var samples = 6
        /// Drop pairs whose longer/shorter length ratio exceeds this: 1.25 keeps shorter/longer >= 0.8, like
        /// the paper's 0.8-1.2 filter; 0 keeps every pair.
        public var maxLengthRatio = 1.25
        /// Use the critic's averaged probability as the label; off, every verdict counts as certain.
        public var softLabels = true
        /// Sample-judge-fit rounds (1 = the paper's static feedback; more = iterative feedback).
        public var rounds = 4
        /// Passes over each round's pairs.
        public var epochs = 4
        public init() {}
    }

    /// A judged pair, with the reference log-probabilities frozen when it was made.
    public struct PreferencePair: Sendable, Hashable {
        public var prompt: Prompt
        public var chosen: Text
        public var rejected: Text
        /// P(chosen is better) as the critic judged it, in [0.5, 1].
        public var confidence: Double
        public var referenceChosen: Double
        public var referenceRejected: Double

        public init(prompt: Prompt, chosen: Text, rejected: Text, confidence: Double, referenceChosen: Double, referenceRejected: Double) {
            self.prompt = prompt
            self.chosen = chosen
            self.rejected = rejected
            self.confidence = confidence
            self.referenceChosen = referenceChosen
            self.referenceRejected = referenceRejected
        }
    }

    public let name = "dpo"
    public var parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) { self.parameters = parameters }

    public init(from source: some ParameterSource) throws {
        var p = Parameters()
        p.beta = try source.double("beta", default: p.beta, range: 1e-6...1e6)
        p.samples = try source.int("samples", default: p.samples, range: 2...1000)
        p.maxLengthRatio = try source.double("maxLengthRatio", default: p.maxLengthRatio, range: 0...1e6)
        p.softLabels = try source.bool("softLabels", default: p.softLabels)
        p.rounds = try source.int("rounds", default: p.rounds, range: 0...1000)
        p.epochs = try source.int("epochs", default: p.epochs, range: 0...10_000)
        try source.finish()
        self.init(p)
    }

    /// The loss over a batch of pairs; `logProbabilities` holds (chosen, rejected) per pair, flattened,
    /// and so does the returned gradient. Metrics as TRL logs them.
    public func loss(pairs: [PreferencePair], logProbabilities: [Double]) -> BatchLoss {
        let beta = parameters.beta
        var value = 0.0, chosenReward = 0.0, rejectedReward = 0.0, correct = 0.0
        var gradient = [Double](repeating: 0, count: logProbabilities.count)
        let n = Double(pairs.count)
        for (i, pair) in pairs.enumerated() {
            let rc = logProbabilities[2 * i] - pair.referenceChosen
            let rr = logProbabilities[2 * i + 1] - pair.referenceRejected
            let q = parameters.softLabels ? pair.confidence : 1
            let z = beta * (rc - rr)
            value -= q * Softmax.logSigmoid(z) + (1 - q) * Softmax.logSigmoid(-z)
            let dh = beta * (Softmax.sigmoid(z) - q) / n
            gradient[2 * i] = dh
            gradient[2 * i + 1] = -dh
            chosenReward += beta * rc
            rejectedReward += beta * rr
            if z > 0 { correct += 1 }
        }
        return BatchLoss(value: value / n, gradient: gradient, metrics: [
            "rewards/chosen": chosenReward / n, "rewards/rejected": rejectedReward / n,
            "rewards/margins": (chosenReward - rejectedReward) / n, "rewards/accuracies": correct / n,
        ])
    }

    public func train<P: TrainablePolicy>(_ policy: inout P, context: TrainingContext) async throws -> [StepMetrics] {
        let reference = policy
        var loop = GradientLoop<P>(algorithm: name, context: context)
        let sampling = try context.stream("sampling")
        return try await loop.rounds(parameters.rounds, &policy, epochs: parameters.epochs, stream: try context.stream("shuffle"),
                                     collect: { policy in
            // The most different pair of k samples for each prompt of the episode, judged in both orders.
            let prompts = context.environment.reset(seed: nil)
            let duels = policy.sample(prompts, count: parameters.samples, using: sampling).map {
                PairSelection.mostDifferentPair($0, maxLengthRatio: parameters.maxLengthRatio).map { (first: $0.0, second: $0.1) }
            }
            let preferences = try await context.environment.duel(duels)
            var pairs: [PreferencePair] = []
            for (prompt, (duel, preference)) in zip(prompts, zip(duels, preferences)) {
                guard let duel, let p = preference else { continue }  // no pair, or an abstention: never a guess
                let (chosen, rejected) = p >= 0.5 ? (duel.first, duel.second) : (duel.second, duel.first)
                pairs.append(PreferencePair(prompt: prompt, chosen: chosen, rejected: rejected, confidence: max(p, 1 - p),
                                            referenceChosen: 0, referenceRejected: 0))
            }
            // The frozen reference scores every pair in one batched call.
            let referenceLogProbabilities = reference.logProbabilities(pairs.flatMap(Self.examples))
            for i in pairs.indices {
                pairs[i].referenceChosen = referenceLogProbabilities[2 * i]
                pairs[i].referenceRejected = referenceLogProbabilities[2 * i + 1]
            }
            return (pairs, ["pairs": Double(pairs.count), "abstentions": Double(duels.compactMap { $0 }.count - pairs.count)])
        }, examples: Self.examples, loss: loss(pairs:logProbabilities:))
    }

    /// Fits the policy to judged pairs (the theory check calls this with every pair of a prompt).
    public func fit<P: TrainablePolicy>(_ policy: inout P, on pairs: [PreferencePair], context: TrainingContext) throws -> [StepMetrics] {
        var loop = GradientLoop<P>(algorithm: name, context: context)
        return try loop.run(&policy, items: pairs, epochs: parameters.epochs, stream: try context.stream("shuffle"),
                            examples: Self.examples, loss: loss(pairs:logProbabilities:))
    }

    /// The two log-probabilities a pair's loss needs: chosen, then rejected.
    private static func examples(_ pair: PreferencePair) -> [Example] {
        [Example(prompt: pair.prompt, response: pair.chosen), Example(prompt: pair.prompt, response: pair.rejected)]
    }
}
