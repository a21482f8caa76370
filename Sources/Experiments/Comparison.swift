import Foundation
import HumorGym
import Learners
import Stochastics
import Teachers

/// Runs every learner from the same imitation warm start for every seed. Seeds run concurrently (at most
/// `concurrency` at a time); each has its own streams, so the result does not depend on scheduling.
public struct Comparison: Sendable {
    public var experiment: Experiment
    public var algorithms: [String]
    public var seedCount: Int
    public var rootSeed: UInt64
    public var concurrency: Int
    /// Each learner's curve over training, or nil for none. Measured on streams of its own: it changes no
    /// training result, only the time a comparison takes.
    public var curves: CurveSettings?
    /// Teacher-output pairs the training critic is measured on, on the first seed (``SeedRecord/diagnoseCritic(pairs:)``); 0: none.
    public var criticPairs: Int

    public init(experiment: Experiment, algorithms: [String], seedCount: Int, rootSeed: UInt64 = 0, concurrency: Int = 2,
                curves: CurveSettings? = nil, criticPairs: Int = 0) throws {
        guard seedCount >= 1 else { throw HumorGymError("--seeds must be at least 1, got \(seedCount)") }
        guard !algorithms.isEmpty else { throw HumorGymError("--algorithms names no algorithm") }
        // Each name as the policy resolves it (`brio -> dpo` is `brio->dpo`): an unknown one fails here.
        let algorithms = try algorithms.map { try experiment.policySpec.learner($0).name }
        if let repeated = algorithms.first(where: { name in algorithms.filter { $0 == name }.count > 1 }) {
            throw HumorGymError("--algorithms names '\(repeated)' twice; each learner runs once per seed")
        }
        self.experiment = experiment
        self.algorithms = algorithms
        self.seedCount = seedCount
        self.rootSeed = rootSeed
        self.concurrency = max(1, concurrency)
        self.curves = curves
        self.criticPairs = criticPairs
    }

    /// The run seeds, derived from the root seed.
    public var seeds: [UInt64] { Experiment.seeds(root: rootSeed, count: seedCount) }

    /// What a comparison reports as it goes, for a progress display.
    public enum Event: Sendable {
        /// A seed (its index among ``seeds``) took a training step; `phase` is ``Trainer/warmStartPhase`` or ``Trainer/trainingPhase``.
        case step(seed: Int, phase: String, StepMetrics)
        /// A learner of a seed is trained and measured.
        case finished(seed: Int, ComparisonReport.RunRecord)
    }

    public func run(progress: @escaping @Sendable (Event) -> Void = { _ in }) async throws -> ResultsFolder {
        let clock = ContinuousClock(), began = clock.now
        let seeds = seeds
        var perSeed = [SeedRecord?](repeating: nil, count: seeds.count)
        try await Array(seeds.indices).forEachConcurrently(limit: concurrency, { try await self.runSeed($0, progress: progress) }) { index, record in
            perSeed[index] = record
        }
        return try ResultsFolder(environment: experiment.environment.name, policy: experiment.policySpec, algorithms: algorithms, rootSeed: rootSeed, curves: curves, seeds: perSeed.compactMap { $0?.results },
                                 totalSeconds: (clock.now - began).seconds)
    }

    private func runSeed(_ index: Int, progress: @escaping @Sendable (Event) -> Void) async throws -> SeedRecord {
        let seed = seeds[index]
        let run = try await experiment.run(seed: seed)
        let learners = try algorithms.map { try experiment.policySpec.learner($0) }
        var record = SeedRecord(experiment: experiment, run: run, curves: curves)
        if index == 0, criticPairs > 0 { try await record.diagnoseCritic(pairs: criticPairs) }
        try await experiment.withStudent { student in try await Self.train(student, learners: learners, into: &record, index: index, progress: progress) }
        return record
    }

    private static func train<P: TrainablePolicy>(_ student: P, learners: [LearnerChain], into record: inout SeedRecord, index: Int,
                                                  progress: @escaping @Sendable (Event) -> Void) async throws {
        _ = try await record.train(student, learners: learners, progress: { phase, step in
            progress(.step(seed: index, phase: phase, step))
            return true
        }, finished: { progress(.finished(seed: index, $0)) })
    }
}
