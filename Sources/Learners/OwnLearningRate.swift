import HumorGym

/// A learner stepping at its own learning rate rather than the policy's `optimizer.learningRate`: what a
/// learner section's `learningRate` key asks for, read for every learner by ``AlgorithmRegistry``, so each
/// stage of a chain may have its own. Preference losses want far smaller steps than cross-entropy on a
/// generative student (the alignment handbook's DPO recipe trains at 5e-7 after supervised fine-tuning at
/// 2e-5): DPO's gradient has no term that keeps the judged responses likely, and large steps move the mass to
/// responses no one judged.
public struct OwnLearningRate: Algorithm {
    public let learner: any Algorithm
    public let learningRate: Double

    public init(_ learner: any Algorithm, learningRate: Double) {
        self.learner = learner
        self.learningRate = learningRate
    }

    public var name: String { learner.name }

    public func train<P: TrainablePolicy>(_ policy: inout P, context: TrainingContext) async throws -> [StepMetrics] {
        var context = context
        context.optimizer.learningRate = learningRate
        return try await learner.train(&policy, context: context)
    }
}
