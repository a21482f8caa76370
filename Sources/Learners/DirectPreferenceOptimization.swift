import Foundation
import HumorGym
import Stochastics

/// Direct preference optimisation (Rafailov et al., NeurIPS 2023), as Small But Funny (Ravi et al.,
/// ACL 2024) applies it: the student samples k responses per training prompt, the most different pair is
/// judged by the critic in both presentation orders (averaged), and the policy minimises a loss of
///
///     h = [log pi(y_w | x) - log pi_ref(y_w | x)] - [log pi(y_l | x) - log pi_ref(y_l | x)]
///
/// with pi_ref the frozen policy the stage started from. The loss family (`loss:` in a policy file), with
/// z = beta h and q the critic's confidence that y_w is better:
///
///     sigmoid  L = -q log sigmoid(z) - (1 - q) log sigmoid(-z)              dL/dh = beta (sigmoid(z) - q)
///              (DPO; q = 1 with `softLabels` off, q < 1 the conservative, label-smoothed form, Mitchell 2023)
///     ipo      L = (h - 1 / (2 beta))^2                                    dL/dh = 2 (h - 1 / (2 beta))
///              (IPO, Azar et al., AISTATS 2024: a squared loss that does not push h to infinity on
///              deterministic preferences)
///     hinge    L = max(0, 1 - z)                                           dL/dh = -beta where z < 1, else 0
///              (SLiC's calibration loss, Zhao et al., 2023)
///     robust   L = [-(1 - e) log sigmoid(z) + e log sigmoid(-z)] / (1 - 2 e)
///                                                     dL/dh = beta (sigmoid(z) - (1 - e) / (1 - 2 e))
///              (robust DPO, Chowdhury et al., ICML 2024: unbiased under labels flipped with rate e)
///
/// `chosenNLL` alpha > 0 adds the chosen response's length-normalised negative log-likelihood to every pair,
///
///     L_total = L + alpha * (-log pi(y_w | x) / |y_w|)                      dL_total/d log pi(y_w) += -alpha / |y_w|
///
/// as RPO does (Pang et al., 2024, "Iterative Reasoning Preference Optimization"): DPO alone may lower both
/// responses' likelihood and move the mass to sequences no one judged, which a generative student pays for
/// in gibberish; the term keeps the winners likely. 0 (the default) is DPO's loss unchanged.
///
/// The optima on the tabular student: under a Bradley-Terry critic with utility u and q = sigmoid(u_w - u_l),
/// sigmoid's is pi*(y) proportional to pi_ref(y) exp(u(y) / beta); on one pair judged y_w over y_l, IPO's sets
/// h = 1 / (2 beta) exactly, and hinge's is any h >= 1 / beta (it stops pushing there). Robust DPO's
/// expected loss under labels flipped at rate e equals DPO's on the clean labels, so it has DPO's optimum.
/// Only `sigmoid` reads the critic's confidence; the others take the verdict as a hard label.
public struct DirectPreferenceOptimization: Algorithm {
    public struct Parameters: Sendable, Equatable {
        public var beta = 0.2
        /// Samples per prompt and the length filter of the critique phase.
        public var critique = PairSelection.Critique()
        /// Which loss of the family, with the settings only that loss has.
        public var loss = Loss.sigmoid(softLabels: true)
        /// alpha, the weight of the chosen responses' length-normalised NLL (RPO's term); 0: plain DPO.
        public var chosenNLL = 0.0
        /// 16 epochs over the pairs, judged afresh every 4 (4 rounds of iterative feedback).
        public var schedule = FeedbackSchedule(epochs: 16, feedbackEvery: 4)
        public init() {}
    }

    /// DPO's loss family (see the type's documentation).
    public enum Loss: Sendable, Equatable {
        /// `softLabels`: use the critic's averaged probability as the label; off, every verdict counts as certain.
        case sigmoid(softLabels: Bool)
        case ipo
        case hinge
        /// `labelNoise`: the assumed rate e at which the critic's verdicts are flipped, in [0, 0.5).
        case robust(labelNoise: Double)

        public static let names = ["sigmoid", "ipo", "hinge", "robust"]

        /// The `loss:` key and the keys of the chosen loss; a key of another loss is unknown (an error).
        init(from source: some ParameterSource) throws {
            switch try source.string("loss", default: "sigmoid", allowed: Self.names) {
            case "sigmoid": self = .sigmoid(softLabels: try source.bool("softLabels", default: true))
            case "ipo": self = .ipo
            case "hinge": self = .hinge
            default: self = .robust(labelNoise: try source.double("labelNoise", default: 0.1, range: 0...0.49))
            }
        }

        /// The loss of one pair and dL/dh, for h the pair's log-ratio difference and q the critic's confidence.
        public func value(h: Double, beta: Double, confidence q: Double) -> (loss: Double, slope: Double) {
            let z = beta * h
            switch self {
            case .sigmoid(let soft):
                let q = soft ? q : 1
                return (-q * Softmax.logSigmoid(z) - (1 - q) * Softmax.logSigmoid(-z), beta * (Softmax.sigmoid(z) - q))
            case .ipo:
                let d = h - 1 / (2 * beta)
                return (d * d, 2 * d)
            case .hinge:
                return z < 1 ? (1 - z, -beta) : (0, 0)
            case .robust(let e):
                return ((-(1 - e) * Softmax.logSigmoid(z) + e * Softmax.logSigmoid(-z)) / (1 - 2 * e),
                        beta * (Softmax.sigmoid(z) - (1 - e) / (1 - 2 * e)))
            }
        }
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
        p.critique = try PairSelection.Critique(from: source)
        p.loss = try Loss(from: source)
        p.chosenNLL = try source.double("chosenNLL", default: p.chosenNLL, range: 0...1e6)
        p.schedule = try FeedbackSchedule(from: source, defaults: p.schedule)
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
            let z = beta * (rc - rr)
            let (loss, slope) = parameters.loss.value(h: rc - rr, beta: beta, confidence: pair.confidence)
            value += loss
            let dh = slope / n, length = Double(max(1, pair.chosen.count))
            value += parameters.chosenNLL * -logProbabilities[2 * i] / length
            gradient[2 * i] = dh - parameters.chosenNLL / length / n
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
        return try await loop.rounds(parameters.schedule, &policy, stream: try context.stream("shuffle"),
                                     collect: { policy in
            let (verdicts, duels, _) = try await parameters.critique.run(policy, environment: context.environment, stream: sampling)
            var pairs = verdicts.map {
                PreferencePair(prompt: $0.prompt, chosen: $0.chosen, rejected: $0.rejected, confidence: $0.confidence,
                               referenceChosen: 0, referenceRejected: 0)
            }
            // The frozen reference scores every pair in one batched call.
            let referenceLogProbabilities = reference.logProbabilities(pairs.flatMap(Self.examples))
            for i in pairs.indices {
                pairs[i].referenceChosen = referenceLogProbabilities[2 * i]
                pairs[i].referenceRejected = referenceLogProbabilities[2 * i + 1]
            }
            return (pairs, ["pairs": Double(pairs.count), "abstentions": Double(duels - pairs.count)])
        }, examples: Self.examples, loss: loss(pairs:logProbabilities:))
    }

    /// Fits the policy to judged pairs (the theory check calls this with every pair of a prompt).
    public func fit<P: TrainablePolicy>(_ policy: inout P, on pairs: [PreferencePair], context: TrainingContext) throws -> [StepMetrics] {
        var loop = GradientLoop<P>(algorithm: name, context: context)
        return try loop.run(&policy, items: pairs, epochs: parameters.schedule.epochs, stream: try context.stream("shuffle"),
                            examples: Self.examples, loss: loss(pairs:logProbabilities:))
    }

    /// The two log-probabilities a pair's loss needs: chosen, then rejected.
    private static func examples(_ pair: PreferencePair) -> [Example] {
        [Example(prompt: pair.prompt, response: pair.chosen), Example(prompt: pair.prompt, response: pair.rejected)]
    }
}
