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

    public init(experiment: Experiment, algorithms: [String], seedCount: Int, rootSeed: UInt64 = 0, concurrency: Int = 2) throws {
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
    }

    /// The run seeds, derived from the root seed.
    public var seeds: [UInt64] { Experiment.seeds(root: rootSeed, count: seedCount) }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ComparisonReport {
        let seeds = seeds
        var perSeed = [[ComparisonReport.RunRecord]](repeating: [], count: seeds.count)
        var teachers = [SeedTeacher](repeating: ([:], nil), count: seeds.count)
        try await withThrowingTaskGroup(of: (Int, [ComparisonReport.RunRecord], SeedTeacher).self) { group in
            var next = 0
            func launch() {
                let index = next
                next += 1
                group.addTask {
                    let (records, teacher) = try await self.runSeed(seeds[index], progress: progress)
                    return (index, records, teacher)
                }
            }
            while next < min(concurrency, seeds.count) { launch() }
            while let (index, records, teacher) = try await group.next() {
                perSeed[index] = records
                teachers[index] = teacher
                if next < seeds.count { launch() }
            }
        }
        let runs = perSeed.flatMap { $0 }
        var aggregate: [String: [String: [String: Summary]]] = [:]
        for algorithm in algorithms {
            let mine = runs.filter { $0.algorithm == algorithm }
            for split in Split.evaluated.map(\.rawValue) {
                for field in SplitMetrics.fields {
                    let values = mine.compactMap { $0.metrics[split].flatMap(field.value) }
                    if !values.isEmpty { aggregate[algorithm, default: [:]][split, default: [:]][field.name] = Summary(values) }
                }
            }
        }
        let spec = experiment.policySpec
        return ComparisonReport(
            environment: experiment.environment.name, policy: spec.name, rootSeed: rootSeed, seeds: seeds, algorithms: algorithms,
            hyperparameters: Dictionary(uniqueKeysWithValues: try algorithms.map { ($0, try spec.settings(of: $0)) }),
            teacher: TeacherReport.mean(teachers.map(\.report)),
            teacherCalls: teachers.compactMap(\.calls).reduce(nil) { total, calls in total.map { $0 + calls } ?? calls }, runs: runs, aggregate: aggregate)
    }

    /// A seed's teacher report by split, and what its LLM teacher's calls gave.
    private typealias SeedTeacher = (report: [String: TeacherReport], calls: LLMTeacher.Tally.Counts?)

    private func runSeed(_ seed: UInt64, progress: @escaping @Sendable (String) -> Void) async throws
        -> ([ComparisonReport.RunRecord], SeedTeacher) {
        let run = try await experiment.run(seed: seed)
        let learners = try algorithms.map { try experiment.policySpec.learner($0) }
        let records = try await experiment.withStudent { student in try await trainAll(student, learners: learners, run: run) }
        for record in records {
            progress(String(format: "seed %llu  %@  test WTR %.1f", seed, record.algorithm, record.metrics[Split.test.rawValue]?.wtr ?? .nan))
        }
        return (records, (Evaluation(experiment).teacherReport(run), (run.teacher as? LLMTeacher)?.tally.counts))
    }

    private func trainAll<P: TrainablePolicy>(_ student: P, learners: [LearnerChain], run: Experiment.Run) async throws
        -> [ComparisonReport.RunRecord] {
        var records: [ComparisonReport.RunRecord] = []
        let evaluation = Evaluation(experiment)
        _ = try await Trainer(experiment).train(student, learners: learners, run: run, finished: { stage, start in
            records.append(ComparisonReport.RunRecord(
                seed: run.seeds.root, algorithm: stage.learner, steps: stage.log.count, finalLoss: stage.log.last?.values["loss"],
                metrics: try await evaluation.metrics(stage.policy, start: start, run: run, learner: stage.seeds)))
        })
        return records
    }
}
