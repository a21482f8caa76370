import HumorGym
import LinearAlgebra

/// A softmax over candidate features shared across prompts: pi(y | x) proportional to exp(theta . phi(x, y)),
/// with phi the hashed ``FeatureMap``. One parameter vector for every prompt, so what it learns on train
/// prompts carries over to prompts it never saw. The features are kept sparse; logits are computed per
/// prompt block with OpenBLAS gemv, and the gradient phi^T g with the transposed gemv (see ``SparseRows``).
public struct LogLinearPolicy: CandidateSetPolicy {
    /// The features of every candidate, computed once and shared by all copies of the policy.
    public final class Features: Sendable {
        public let map: FeatureMap
        public let matrix: SparseRows

        public init(map: FeatureMap, prompts: [Prompt], candidates: CandidateSets) {
            self.map = map
            self.matrix = map.rows(prompts: prompts, candidates: candidates)
        }

        /// At most how many bytes the features of these prompts' candidates take, known before building them:
        /// what a caller checks against the memory it has.
        public static func maximumBytes(map: FeatureMap, prompts: [Prompt], candidates: CandidateSets) -> Double {
            Double(map.maximumEntries(prompts: prompts, candidates: candidates)) * Double(SparseRows.bytesPerEntry)
        }
    }

    public let candidates: CandidateSets
    public let features: Features
    public var parameters: [Double]

    /// Starts at theta = 0: uniform over every prompt's candidates.
    public init(candidates: CandidateSets, features: Features) {
        self.candidates = candidates
        self.features = features
        self.parameters = Array(repeating: 0, count: features.map.dimension)
    }

    private func rows(_ prompt: Prompt) -> Range<Int> { candidates.offsets[prompt.id]..<candidates.offsets[prompt.id + 1] }

    public func logits(for prompt: Prompt) -> [Double] { features.matrix.times(parameters, rows: rows(prompt)) }

    public func accumulateGradient(for prompt: Prompt, logitGradient: [Double], into gradient: inout [Double]) {
        features.matrix.accumulateTransposedTimes(logitGradient, rows: rows(prompt), into: &gradient)
    }

    /// Lays the prompt's features out once, for its logits now and its gradient later.
    public func logitsWithPullback(for prompt: Prompt) -> (logits: [Double], accumulateGradient: LogitPullback) {
        let block = features.matrix.dense(rows: rows(prompt))
        let all = 0..<block.rows
        return (block.times(parameters, rows: all), { block.accumulateTransposedTimes($0, rows: all, into: &$1) })
    }
}
