import Foundation
import HumorGym
import LLM
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

    /// How many, how good and how varied the teacher's outputs are, per split, averaged over seeds (each seed
    /// has its own teacher samples). The gold figures exist only in a world with a gold judge.
    public struct TeacherReport: Sendable, Codable, Equatable {
        /// Mean number of outputs per prompt (N, less what an LLM teacher refused or left unusable).
        public var outputsPerPrompt: Double
        /// Share of prompts without any output: the inputs lost to refusals and unusable answers.
        public var promptsWithoutOutput: Double
        /// Share of the outputs' tokens that are `<unk>` (an LLM teacher's words outside the world's vocabulary).
        public var unknownTokens: Double
        /// Mean gold total of the teacher's outputs.
        public var meanGold: Double?
        /// Mean over prompts of (best - worst) gold among the teacher's N outputs.
        public var meanSpread: Double?
        /// Mean over prompts of the best candidate's gold: what a perfect student could reach.
        public var meanBestCandidate: Double?

        /// The field-wise mean of per-seed reports, split by split.
        static func mean(_ reports: [[String: TeacherReport]]) -> [String: TeacherReport] {
            var out: [String: TeacherReport] = [:]
            for split in reports.first?.keys.sorted() ?? [] {
                let all = reports.compactMap { $0[split] }
                func mean(_ value: (TeacherReport) -> Double?) -> Double? {
                    let values = all.compactMap(value)
                    return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
                }
                out[split] = TeacherReport(outputsPerPrompt: mean(\.outputsPerPrompt)!, promptsWithoutOutput: mean(\.promptsWithoutOutput)!,
                                           unknownTokens: mean(\.unknownTokens)!, meanGold: mean(\.meanGold),
                                           meanSpread: mean(\.meanSpread), meanBestCandidate: mean(\.meanBestCandidate))
            }
            return out
        }
    }

    public var environment: String
    public var policy: String
    public var rootSeed: UInt64
    public var seeds: [UInt64]
    public var algorithms: [String]
    public var hyperparameters: [String: [String: String]]
    public var teacher: [String: TeacherReport]
    /// What an LLM teacher's calls gave, summed over seeds (nil for other teachers).
    public var teacherCalls: LLMTeacher.Tally.Counts?
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
        if let repeated = algorithms.first(where: { name in algorithms.filter { $0 == name }.count > 1 }) {
            throw HumorGymError("--algorithms names '\(repeated)' twice; each learner runs once per seed")
        }
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
            for split in [Split.test.rawValue, Split.ood.rawValue] {
                for field in SplitMetrics.fields {
                    let values = mine.compactMap { field.value($0.metrics[split]!) }
                    if !values.isEmpty { aggregate[algorithm, default: [:]][split, default: [:]][field.name] = Summary(values) }
                }
            }
        }
        let spec = experiment.policySpec
        return ComparisonReport(
            environment: experiment.environment.name, policy: spec.name, rootSeed: rootSeed, seeds: seeds, algorithms: algorithms,
            hyperparameters: spec.hyperparameters.filter { algorithms.contains($0.key) },
            teacher: ComparisonReport.TeacherReport.mean(teachers.map(\.report)),
            teacherCalls: teachers.compactMap(\.calls).reduce(nil) { total, calls in total.map { $0 + calls } ?? calls }, runs: runs, aggregate: aggregate)
    }

    /// A seed's teacher report by split, and what its LLM teacher's calls gave.
    private typealias SeedTeacher = (report: [String: ComparisonReport.TeacherReport], calls: LLMTeacher.Tally.Counts?)

    private func runSeed(_ seed: UInt64, progress: @escaping @Sendable (String) -> Void) async throws
        -> ([ComparisonReport.RunRecord], SeedTeacher) {
        let run = try await experiment.run(seed: seed)
        let learners = try algorithms.map { try experiment.policySpec.algorithm($0) }
        let outcomes = try await experiment.withStudent { student in try await trainAll(student, learners: learners, run: run) }
        let records = outcomes.map { name, log, metrics in
            progress(String(format: "seed %llu  %@  test WTR %.1f", seed, name, metrics["test"]!.wtr))
            return ComparisonReport.RunRecord(seed: seed, algorithm: name, steps: log.count, finalLoss: log.last?.values["loss"], metrics: metrics)
        }
        return (records, (teacherReport(run), (run.teacher as? LLMTeacher)?.tally.counts))
    }

    private func trainAll<P: TrainablePolicy>(_ student: P, learners: [any Algorithm], run: Experiment.Run) async throws
        -> [(String, [StepMetrics], [String: SplitMetrics])] {
        try await experiment.warmStartAndTrain(student, learners: learners, run: run).outcomes.map { ($0.learner, $0.log, $0.metrics) }
    }

    private func teacherReport(_ run: Experiment.Run) -> [String: ComparisonReport.TeacherReport] {
        let world = experiment.world
        var out: [String: ComparisonReport.TeacherReport] = [:]
        for split in [Split.test, .ood] {
            let prompts = world.prompts(split), outputs = run.teacherOutputs[split]!
            let n = Double(prompts.count), texts = outputs.flatMap { $0 }
            let tokens = texts.reduce(0) { $0 + $1.count }, unknown = texts.reduce(0) { $0 + $1.tokens.filter { $0 == 0 }.count }
            var report = ComparisonReport.TeacherReport(
                outputsPerPrompt: Double(texts.count) / n, promptsWithoutOutput: Double(outputs.filter(\.isEmpty).count) / n,
                unknownTokens: Double(unknown) / Double(max(1, tokens)))
            if let gold = experiment.gold {
                var mean = 0.0, spread = 0.0, best = 0.0
                for (prompt, texts) in zip(prompts, outputs) {
                    let scores = texts.map { gold.judge($0, for: prompt).total }
                    mean += scores.reduce(0, +)
                    spread += (scores.max() ?? 0) - (scores.min() ?? 0)
                    best += world.candidates[prompt].map { gold.judge($0, for: prompt).total }.max() ?? 0
                }
                (report.meanGold, report.meanSpread, report.meanBestCandidate) = (mean / Double(max(1, texts.count)), spread / n, best / n)
            }
            out[split.rawValue] = report
        }
        return out
    }
}
