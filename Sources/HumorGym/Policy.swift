import Stochastics

/// A student: samples responses and gives the exact log-probability of any response.
public protocol Policy: Sendable {
    /// `count` independent samples for `prompt`, drawn from `stream`.
    func sample(_ prompt: Prompt, count: Int, using stream: RandomStream) -> [Text]
    /// `count` samples for each of many prompts, in prompt order: a sequence model can decode them together.
    func sample(_ prompts: [Prompt], count: Int, using stream: RandomStream) -> [[Text]]
    /// The policy's best guess for the prompt: the most likely response (beam search, for a sequence model).
    func mostLikely(_ prompt: Prompt) -> Text
    /// The best guess for each of many prompts, in prompt order: a sequence model searches them together.
    func mostLikely(_ prompts: [Prompt]) -> [Text]
    /// log pi(response | prompt); `-infinity` for a response the policy cannot produce.
    func logProbability(of response: Text, given prompt: Prompt) -> Double
    /// log pi(y_i | x_i) for many examples: a sequence model scores them in batched passes.
    func logProbabilities(_ batch: [Example]) -> [Double]
}

/// A policy whose parameters learners update.
///
/// Learners are written against sequence log-probabilities only: a learner computes its loss L from
/// log pi(y_i | x_i) and dL/d log pi(y_i | x_i); the policy's pull-back turns that into dL/d theta. So every
/// learner trains every trainable policy unchanged.
public protocol TrainablePolicy: Policy {
    /// The parameters' precision: `Double` for the candidate-set students, `Float` for the transformer.
    associatedtype Scalar: BinaryFloatingPoint & Sendable
    var parameters: [Scalar] { get set }
    /// log pi(y_i | x_i) for each example, and the pull-back g -> sum_i g_i * d log pi(y_i | x_i) / d theta.
    func logProbabilitiesWithPullback(_ batch: [Example]) -> (values: [Double], pullback: ([Double]) -> [Scalar])
    /// The same in a training pass: a policy with dropout draws its masks from `noise`, a key the training
    /// loop derives for each step (so a step recomputed, or resumed, gets the same masks). Policies without
    /// training-only randomness need not implement it.
    func trainingLogProbabilitiesWithPullback(_ batch: [Example], noise: UInt64) -> (values: [Double], pullback: ([Double]) -> [Scalar])
    /// Whether ``save(to:)`` writes a file that rebuilds the trained student.
    static var savesCheckpoints: Bool { get }
    /// Writes the student to `path` (a student without a file format throws).
    func save(to path: String) throws
}

extension TrainablePolicy {
    public static var savesCheckpoints: Bool { false }

    public func save(to path: String) throws {
        throw HumorGymError("\(Self.self) has no checkpoint format; it is rebuilt from its world and spec")
    }

    public func trainingLogProbabilitiesWithPullback(_ batch: [Example], noise: UInt64) -> (values: [Double], pullback: ([Double]) -> [Scalar]) {
        logProbabilitiesWithPullback(batch)
    }
}

extension Policy {
    /// One example after another.
    public func logProbabilities(_ batch: [Example]) -> [Double] {
        batch.map { logProbability(of: $0.response, given: $0.prompt) }
    }

    /// log pi(y_i | x_i) / |y_i|, the length-normalised score BRIO ranks by (Liu et al., 2022): |y| is the
    /// response's length in tokens (at least 1; a sequence model's end token is scored but not counted).
    public func lengthNormalizedLogProbabilities(_ batch: [Example]) -> [Double] {
        zip(logProbabilities(batch), batch).map { $0 / Double(max(1, $1.response.count)) }
    }

    /// One prompt after another, in order.
    public func sample(_ prompts: [Prompt], count: Int, using stream: RandomStream) -> [[Text]] {
        prompts.map { sample($0, count: count, using: stream) }
    }

    /// One prompt after another.
    public func mostLikely(_ prompts: [Prompt]) -> [Text] { prompts.map { mostLikely($0) } }
}
