import HumorGym
import Stochastics

/// A learner's metrics after `step` steps of its training (0: the warm start it started from).
public struct CurvePoint: Sendable, Codable, Equatable {
    public var step: Int
    public var metrics: SplitMetrics
}

/// Where a curve over training is measured: the warm start, then every `every`-th boundary of training (the
/// end of an epoch, or of a round for learners that collect feedback in rounds) and always the last, each on
/// the first `prompts` test prompts.
public struct CurveSettings: Sendable, Equatable, Codable {
    public var every: Int
    public var prompts: Int

    public static let everyRange = 1...1_000
    public static let promptsRange = 1...100_000

    public init(every: Int = 1, prompts: Int = 64) throws {
        guard Self.everyRange.contains(every) else { throw HumorGymError("curves: every must be in \(Self.everyRange), got \(every)") }
        guard Self.promptsRange.contains(prompts) else { throw HumorGymError("curves: prompts must be in \(Self.promptsRange), got \(prompts)") }
        self.every = every
        self.prompts = prompts
    }
}

extension Evaluation {
    /// The curve of `stage` (trained with ``Trainer/recordsBoundaries``). Measured after training, on streams of
    /// their own (a boundary's stream depends only on its index, so thinning the points changes none of the
    /// others): the curves change no training result.
    public func curve<P: TrainablePolicy>(_ stage: Trainer.Stage<P>, start: P, run: Experiment.Run, settings: CurveSettings, panel: Bool = false)
        async throws -> [CurvePoint] {
        let seeds = stage.seeds.child("curve")
        var curve = [CurvePoint(step: 0, metrics: try await point(start, start: start, run: run, prompts: settings.prompts, seeds: seeds.child("0"),
                                                                  panel: panel))]
        for (index, boundary) in stage.boundaries.enumerated() where (index + 1) % settings.every == 0 || index == stage.boundaries.count - 1 {
            var policy = start
            policy.parameters = boundary.parameters.map(P.Scalar.init)
            curve.append(CurvePoint(step: boundary.step, metrics: try await point(
                policy, start: start, run: run, prompts: settings.prompts, seeds: seeds.child(String(index + 1)), panel: panel)))
        }
        return curve
    }
}
