import Foundation
import HumorGym
import Stochastics

/// The result of `humorgym compare`: every (seed, learner) run and the aggregate over seeds.
public struct ComparisonReport: Sendable, Codable, Equatable {
    public struct RunRecord: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var algorithm: String
        public var steps: Int
        public var finalLoss: Double?
        public var metrics: [String: SplitMetrics]
    }

    /// How good and how varied the teacher's outputs are (gold totals), per split.
    public struct TeacherReport: Sendable, Codable, Equatable {
        /// Mean gold total of the teacher's outputs.
        public var meanGold: Double
        /// Mean over prompts of (best - worst) gold among the teacher's N outputs.
        public var meanSpread: Double
        /// Mean over prompts of the best candidate's gold: what a perfect student could reach.
        public var meanBestCandidate: Double
    }

    public var environment: String
    public var policy: String
    public var rootSeed: UInt64
    public var seeds: [UInt64]
    public var algorithms: [String]
    public var hyperparameters: [String: [String: String]]
    public var teacher: [String: TeacherReport]
    public var runs: [RunRecord]
    /// algorithm -> split -> metric -> mean and 95% Student-t interval over seeds.
    public var aggregate: [String: [String: [String: Summary]]]
}

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
        for name in algorithms { _ = try experiment.policySpec.algorithm(name) }
        self.experiment = experiment
        self.algorithms = algorithms
        self.seedCount = seedCount
        self.rootSeed = rootSeed
        self.concurrency = max(1, concurrency)
    }

    /// The run seeds, derived from the root seed.
    public var seeds: [UInt64] { Self.seeds(root: rootSeed, count: seedCount) }

    /// The first `count` run seeds of root seed `root`: `compare --seed S` runs these, and `run --seed S` the first.
    public static func seeds(root: UInt64, count: Int) -> [UInt64] {
        (0..<count).map { SeedSequence(root: root).seed(for: "seed-\($0)") }
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ComparisonReport {
        let seeds = seeds
        var perSeed = [[ComparisonReport.RunRecord]](repeating: [], count: seeds.count)
        try await withThrowingTaskGroup(of: (Int, [ComparisonReport.RunRecord]).self) { group in
            var next = 0
            func launch() {
                let index = next
                next += 1
                group.addTask { (index, try await self.runSeed(seeds[index], progress: progress)) }
            }
            while next < min(concurrency, seeds.count) { launch() }
            while let (index, records) = try await group.next() {
                perSeed[index] = records
                if next < seeds.count { launch() }
            }
        }
        let runs = perSeed.flatMap { $0 }
        var aggregate: [String: [String: [String: Summary]]] = [:]
        for algorithm in algorithms {
            let mine = runs.filter { $0.algorithm == algorithm }
            for split in [Split.test.rawValue, Split.ood.rawValue] {
                for field in SplitMetrics.fields {
                    aggregate[algorithm, default: [:]][split, default: [:]][field.name] =
                        Summary(mine.map { $0.metrics[split]![keyPath: field.value] })
                }
            }
        }
        let spec = experiment.policySpec
        return ComparisonReport(
            environment: experiment.environment.name, policy: spec.name, rootSeed: rootSeed, seeds: seeds, algorithms: algorithms,
            hyperparameters: spec.algorithms.filter { algorithms.contains($0.key) }, teacher: teacherReport(seed: seeds[0]),
            runs: runs, aggregate: aggregate)
    }

    private func runSeed(_ seed: UInt64, progress: @escaping @Sendable (String) -> Void) async throws -> [ComparisonReport.RunRecord] {
        let run = experiment.run(seed: seed)
        return try await experiment.withStudent { student in
            try await runLearners(from: student, run: run, progress: progress)
        }
    }

    private func runLearners<P: TrainablePolicy>(from student: P, run: Experiment.Run,
                                                 progress: @escaping @Sendable (String) -> Void) async throws -> [ComparisonReport.RunRecord] {
        var start = student
        _ = try await experiment.warmStart(&start, run: run)
        var records: [ComparisonReport.RunRecord] = []
        for name in algorithms {
            let (_, log, metrics) = try await experiment.train(try experiment.policySpec.algorithm(name), from: start, run: run)
            records.append(.init(seed: run.seeds.root, algorithm: name, steps: log.count, finalLoss: log.last?.values["loss"], metrics: metrics))
            progress(String(format: "seed %llu  %@  test WTR %.1f", run.seeds.root, name, metrics["test"]!.wtr))
        }
        return records
    }

    private func teacherReport(seed: UInt64) -> [String: ComparisonReport.TeacherReport] {
        let world = experiment.world, gold = world.goldJudge
        let run = experiment.run(seed: seed)
        var out: [String: ComparisonReport.TeacherReport] = [:]
        for split in [Split.test, .ood] {
            let prompts = world.prompts(split)
            var mean = 0.0, spread = 0.0, best = 0.0, outputs = 0
            for (prompt, texts) in zip(prompts, run.teacherOutputs[split]!) {
                let scores = texts.map { gold.judge($0, for: prompt).total }
                mean += scores.reduce(0, +)
                outputs += scores.count
                spread += (scores.max() ?? 0) - (scores.min() ?? 0)
                best += world.candidates[prompt].map { gold.judge($0, for: prompt).total }.max() ?? 0
            }
            let n = Double(prompts.count)
            out[split.rawValue] = .init(meanGold: mean / Double(max(1, outputs)), meanSpread: spread / n, meanBestCandidate: best / n)
        }
        return out
    }
}
