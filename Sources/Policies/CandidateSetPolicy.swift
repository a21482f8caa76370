import Foundation
import HumorGym
import Stochastics

/// A softmax over each prompt's candidate set: pi(y_j | x) = exp(z_j) / sum_k exp(z_k), with the logits z
/// given by the conforming policy. This extension supplies sampling, exact log-probabilities and the
/// pull-back, so a new candidate-set student writes only its logits and their parameter gradient.
public protocol CandidateSetPolicy: TrainablePolicy {
    var candidates: CandidateSets { get }
    /// The logits of the prompt's candidates, in candidate order.
    func logits(for prompt: Prompt) -> [Double]
    /// gradient += d(sum_j g_j z_j) / d theta for the prompt's logits z and a logit-space gradient g.
    func accumulateGradient(for prompt: Prompt, logitGradient: [Double], into gradient: inout [Double])
    /// The logits and, for later, their `accumulateGradient`: a student whose two share work (the log-linear
    /// one lays its features out once) keeps it here. The default calls the two.
    func logitsWithPullback(for prompt: Prompt) -> (logits: [Double], accumulateGradient: LogitPullback)
}

/// gradient += d(sum_j g_j z_j) / d theta for one prompt's logits z, given the logit-space gradient g.
public typealias LogitPullback = (_ logitGradient: [Double], _ gradient: inout [Double]) -> Void

extension CandidateSetPolicy {
    public func logitsWithPullback(for prompt: Prompt) -> (logits: [Double], accumulateGradient: LogitPullback) {
        (logits(for: prompt), { accumulateGradient(for: prompt, logitGradient: $0, into: &$1) })
    }

    public func probabilities(for prompt: Prompt) -> [Double] { Softmax.probabilities(logits(for: prompt)) }

    public func sample(_ prompt: Prompt, count: Int, using stream: RandomStream) -> [Text] {
        let p = probabilities(for: prompt)
        let list = candidates[prompt]
        return (0..<count).map { _ in list[stream.categorical(weights: p)] }
    }

    /// The candidate with the largest logit (the first, on ties).
    public func mostLikely(_ prompt: Prompt) -> Text {
        let z = logits(for: prompt)
        var best = 0
        for j in z.indices where z[j] > z[best] { best = j }
        return candidates[prompt][best]
    }

    public func logProbability(of response: Text, given prompt: Prompt) -> Double {
        guard let j = candidates.position(of: response, for: prompt) else { return -.infinity }
        let z = logits(for: prompt)
        return z[j] - Softmax.logSumExp(z)
    }

    /// d log pi(y_k | x) / d z_j = 1[j = k] - pi_j, pulled back through the logits once per distinct prompt.
    public func logProbabilitiesWithPullback(_ batch: [Example]) -> (values: [Double], pullback: ([Double]) -> [Double]) {
        var logProbs: [Prompt: [Double]] = [:]
        var pullbacks: [Prompt: LogitPullback] = [:]
        var order: [Prompt] = []
        for example in batch where logProbs[example.prompt] == nil {
            let (z, pullback) = logitsWithPullback(for: example.prompt)
            let lse = Softmax.logSumExp(z)
            logProbs[example.prompt] = z.map { $0 - lse }
            pullbacks[example.prompt] = pullback
            order.append(example.prompt)
        }
        let positions = batch.map { candidates.position(of: $0.response, for: $0.prompt) }
        let values = zip(batch, positions).map { example, j in j.map { logProbs[example.prompt]![$0] } ?? -.infinity }
        let parameterCount = parameters.count
        return (values, { upstream in
            precondition(upstream.count == batch.count, "pull-back needs one upstream value per example")
            var logitGradients: [Prompt: [Double]] = [:]
            for ((example, j), g) in zip(zip(batch, positions), upstream) where g != 0 {
                guard let j else { continue }  // an impossible response has no gradient
                let lp = logProbs[example.prompt]!
                var lg = logitGradients[example.prompt] ?? Array(repeating: 0, count: lp.count)
                for k in lp.indices { lg[k] -= g * exp(lp[k]) }
                lg[j] += g
                logitGradients[example.prompt] = lg
            }
            var gradient = [Double](repeating: 0, count: parameterCount)
            // Prompts in first-seen order, so the floating-point sum does not depend on hashing.
            for prompt in order {
                if let lg = logitGradients[prompt] { pullbacks[prompt]!(lg, &gradient) }
            }
            return gradient
        })
    }
}
