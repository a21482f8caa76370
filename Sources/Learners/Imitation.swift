import HumorGym

/// Imitation ("FT" in Small But Funny, Ravi et al., ACL 2024): maximum likelihood on the teacher's outputs.
///
///     L(theta) = -(1/B) sum_{(x, y) in batch} log pi_theta(y | x)
///
/// The warm start of every other learner, and a baseline: it copies the teacher's distribution, quirks
/// included, as well as the student's capacity allows.
public struct Imitation: Algorithm {
    public struct Parameters: Sendable, Equatable {
        /// Passes over the teacher's outputs.
        public var epochs = 4
        public init() {}
    }

    public let name = "imitation"
    public var parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) { self.parameters = parameters }

    public init(from source: some ParameterSource) throws {
        var p = Parameters()
        p.epochs = try source.int("epochs", default: p.epochs, range: 0...10_000)
        try source.finish()
        self.init(p)
    }

    /// The loss and dL/d log pi for a batch of log-probabilities of demonstrations.
    public static func loss(logProbabilities: [Double]) -> BatchLoss {
        let b = Double(logProbabilities.count)
        let nll = -logProbabilities.reduce(0, +) / b
        return BatchLoss(value: nll, gradient: Array(repeating: -1 / b, count: logProbabilities.count),
                         metrics: ["nll": nll])
    }

    public func train<P: TrainablePolicy>(_ policy: inout P, context: TrainingContext) async throws -> [StepMetrics] {
        var loop = GradientLoop<P>(algorithm: name, context: context)
        return try loop.run(&policy, items: context.demonstrationExamples, epochs: parameters.epochs,
                            stream: try context.stream("shuffle"), examples: { [$0] },
                            loss: { _, logProbs in Self.loss(logProbabilities: logProbs) })
    }
}
