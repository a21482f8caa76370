import HumorGym

/// One logit per (prompt, candidate): pi(y_j | x) = softmax(theta_x)_j. It cannot generalise across
/// prompts, which makes it the student for closed-form checks (every optimum is reachable exactly).
public struct TabularPolicy: CandidateSetPolicy {
    public let candidates: CandidateSets
    public var parameters: [Double]
    private var offsets: [Int] { candidates.offsets }

    /// Starts uniform over every prompt's candidates.
    public init(candidates: CandidateSets) {
        self.candidates = candidates
        self.parameters = Array(repeating: 0, count: candidates.offsets.last!)
    }

    public func logits(for prompt: Prompt) -> [Double] {
        Array(parameters[offsets[prompt.id]..<offsets[prompt.id + 1]])
    }

    public func accumulateGradient(for prompt: Prompt, logitGradient: [Double], into gradient: inout [Double]) {
        for (k, g) in logitGradient.enumerated() { gradient[offsets[prompt.id] + k] += g }
    }
}
