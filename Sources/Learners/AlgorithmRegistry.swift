import HumorGym

/// The learners the CLI and experiments know by name. To add one: write its file (conforming to
/// ``Algorithm``, with `init(from:)` reading its hyperparameters) and add one line here. `compare` runs the
/// learners marked `byDefault`, so adding one does not change what an existing command computes.
public enum AlgorithmRegistry {
    public typealias Factory = @Sendable (any ParameterSource) throws -> any Algorithm

    public static let entries: [(name: String, byDefault: Bool, make: Factory)] = [
        ("imitation", true, { try Imitation(from: $0) }),
        ("rwr", true, { try RewardWeightedRegression(from: $0) }),
        ("dpo", true, { try DirectPreferenceOptimization(from: $0) }),
        ("sd", false, { try SelfDistillation(from: $0) }),
        ("brio", false, { try BRIO(from: $0) }),
    ]

    public static var names: [String] { entries.map(\.name) }

    /// What `compare` runs when no learners are named.
    public static var defaults: [String] { entries.filter(\.byDefault).map(\.name) }

    /// The learner called `name`, configured from `source`; a clear error for an unknown name. Every learner's
    /// section may also set `learningRate`, its own in place of the policy's `learningRate` (``OwnLearningRate``).
    public static func make(_ name: String, parameters source: any ParameterSource, learningRate policyRate: Double) throws -> any Algorithm {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw HumorGymError("unknown algorithm '\(name)'; known: \(names.joined(separator: ", "))")
        }
        let learningRate = try source.double("learningRate", default: policyRate, range: 1e-12...1e3)
        let learner = try entry.make(source)
        return learningRate == policyRate ? learner : OwnLearningRate(learner, learningRate: learningRate)
    }
}
