import HumorGym
import Stochastics

/// Self-distillation ("BART-SD" in Small But Funny, Ravi et al., ACL 2024): the student learns from its own
/// outputs that the critic prefers. Each round, the student samples k responses to each training prompt, the
/// most different pair of them is judged by the critic in both presentation orders (the critique phase DPO
/// uses, ``PairSelection``), and the winner of each decided pair is kept: "preferred" is the winner of that
/// duel, kept when the critic's averaged P(winner better) is at least `minConfidence`. The student then
/// minimises the cross-entropy of its own preferred outputs,
///
///     L(theta) = -(1/B) sum_{(x, y_w) in batch} log pi_theta(y_w | x),
///
/// which is imitation (``Imitation``) on a filtered set of the student's samples: rejection sampling with a
/// pairwise judge. The losers are never pushed down, so unlike DPO it cannot drift far from what the student
/// already writes; its gain is bounded by how often the critic's winner is better than a typical sample.
public struct SelfDistillation: Algorithm {
    public struct Parameters: Sendable, Equatable {
        /// Samples per prompt and the length filter of the critique phase.
        public var critique = PairSelection.Critique()
        /// Keep a winner only when the critic's averaged P(winner better) reaches this (0.5: every decided duel).
        public var minConfidence = 0.5
        /// 4 epochs over the preferred outputs, judged once (the paper's static feedback).
        public var schedule = FeedbackSchedule(epochs: 4, feedbackEvery: 4)
        public init() {}
    }

    public let name = "sd"
    public var parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) { self.parameters = parameters }

    public init(from source: some ParameterSource) throws {
        var p = Parameters()
        p.critique = try PairSelection.Critique(from: source)
        p.minConfidence = try source.double("minConfidence", default: p.minConfidence, range: 0.5...1)
        p.schedule = try FeedbackSchedule(from: source, defaults: p.schedule)
        try source.finish()
        self.init(p)
    }

    public func train<P: TrainablePolicy>(_ policy: inout P, context: TrainingContext) async throws -> [StepMetrics] {
        var loop = GradientLoop<P>(algorithm: name, context: context)
        let sampling = try context.stream("sampling")
        return try await loop.rounds(parameters.schedule, &policy, stream: try context.stream("shuffle"),
                                     collect: { policy in
            let (verdicts, duels, _) = try await parameters.critique.run(policy, environment: context.environment, stream: sampling)
            let preferred = verdicts.filter { $0.confidence >= parameters.minConfidence }.map { Example(prompt: $0.prompt, response: $0.chosen) }
            return (preferred, ["preferred": Double(preferred.count), "abstentions": Double(duels - verdicts.count)])
        }, examples: { [$0] }, loss: { _, logProbabilities in Imitation.loss(logProbabilities: logProbabilities) })
    }
}
