import Critics
import Foundation
import HumorGym
import Learners
import Teachers

/// What one seed of a study made, learner by learner, as `compare`, `run` and a sweep's units record it:
/// each learner's metrics (and curve), its per-prompt outcomes, step log, judged pairs and samples, how long
/// it took, and the seed's teacher. ``ResultsFolder/init(environment:policy:algorithms:rootSeed:curves:seeds:totalSeconds:)``
/// gathers seeds into a folder; ``combining(_:)`` gathers the parts of one seed that were trained apart.
public struct SeedResults: Sendable, Codable, Equatable {
    public internal(set) var runs: [ComparisonReport.RunRecord] = []
    public internal(set) var prompts: [PromptOutcomes.Record] = []
    /// The shared warm start's log first (once it is trained), then each learner's.
    public internal(set) var steps: [StepLog] = []
    public internal(set) var pairs: [PairLog] = []
    /// The training critic measured as the paper's Table 1 (``SeedRecord/diagnoseCritic(pairs:)``), when asked.
    public internal(set) var critic: CriticDiagnostics?
    /// The teacher's outputs for the training prompts: what the warm start imitates.
    public let demonstrations: DemonstrationLog
    public internal(set) var timings: [Timings.Run] = []
    public internal(set) var samples: SampleSheet
    public let teacher: [String: TeacherReport]
    /// What its LLM teacher's calls gave (nil for other teachers).
    public internal(set) var calls: LLMTeacher.Tally.Counts?

    /// The seed's results from parts that trained its learners apart from one warm start: the first part's
    /// teacher, demonstrations, warm-start log and samples of the teacher, any part's critic diagnostics, and
    /// every part's learners in the order given, as one process training them one after another records them.
    public static func combining(_ parts: [SeedResults]) -> SeedResults {
        var whole = parts[0]
        whole.critic = parts.lazy.compactMap(\.critic).first
        for part in parts.dropFirst() {
            whole.runs += part.runs
            whole.prompts += part.prompts
            whole.steps += part.steps.filter { $0.learner != StepLog.warmStart }
            whole.pairs += part.pairs
            whole.timings += part.timings
            for index in whole.samples.entries.indices { whole.samples.entries[index].learners += part.samples.entries[index].learners }
        }
        return whole
    }
}

/// A seed of a study as it trains: its ``SeedResults``, and the experiment and run that make them.
public struct SeedRecord: Sendable {
    public internal(set) var results: SeedResults
    let experiment: Experiment
    let run: Experiment.Run
    public let curves: CurveSettings?
    private let clock = ContinuousClock()
    private var stageBegan: ContinuousClock.Instant

    public init(experiment: Experiment, run: Experiment.Run, curves: CurveSettings?) {
        self.experiment = experiment
        self.run = run
        self.curves = curves
        results = SeedResults(
            demonstrations: DemonstrationLog(seed: run.seeds.root, examples: zip(experiment.world.prompts(.train), run.teacherOutputs.train).flatMap { prompt, outputs in
                outputs.map { DemonstrationLog.Example(prompt: prompt.text.string, completion: $0.string) }
            }),
            samples: SampleSheet(seed: run.seeds.root, experiment: experiment, run: run),
            teacher: Evaluation(experiment).teacherReport(run), calls: (run.teacher as? LLMTeacher)?.tally.counts)
        stageBegan = clock.now
    }

    /// Trains `learners` from the run's warm start (as ``Trainer/train(_:learners:run:warmStart:checkpointing:progress:finished:)``)
    /// and records each as it finishes. The warm start's log is recorded when this trained it, not when given `warmStart`.
    public mutating func train<P: TrainablePolicy>(
        _ student: P, learners: [LearnerChain], warmStart: [Double]? = nil, checkpointing: RunCheckpointing? = nil,
        progress: @escaping @Sendable (_ phase: String, StepMetrics) -> Bool = { _, _ in true },
        finished: (ComparisonReport.RunRecord) -> Void = { _ in }
    ) async throws -> Trainer.Result<P> {
        let trainer = Trainer(experiment, recordsBoundaries: curves != nil, recordsPairs: true)
        let result = try await trainer.train(student, learners: learners, run: run, warmStart: warmStart, checkpointing: checkpointing,
                                             progress: progress) { stage, start in
            try await self.add(stage, start: start)
            finished(self.results.runs[self.results.runs.count - 1])
        }
        if warmStart == nil { results.steps.insert(StepLog(seed: run.seeds.root, learner: StepLog.warmStart, steps: result.warmStartLog), at: 0) }
        return result
    }

    /// Measures the training critic (on a stream of its own) against gold on the first `pairs` pairs of the
    /// teacher's test outputs, in both orders: the biases the run trained against.
    public mutating func diagnoseCritic(pairs: Int) async throws {
        let critic = experiment.critic(seed: run.seeds.child("report").seed(for: "critic"), run: run)
        results.critic = try await CriticDiagnostics.measure(critic: critic, gold: experiment.gold,
                                                          pairs: Array(experiment.teacherPairs(.test, run: run).prefix(pairs)))
    }

    /// Measures a finished stage on streams of its own, and records it.
    private mutating func add<P: TrainablePolicy>(_ stage: Trainer.Stage<P>, start: P) async throws {
        let evaluation = Evaluation(experiment), seed = run.seeds.root
        let trained = clock.now
        let measured = try await evaluation.measurements(stage.policy, start: start, run: run, learner: stage.seeds)
        let evaluated = clock.now
        var curve: [CurvePoint]?
        if let curves { curve = try await evaluation.curve(stage, start: start, run: run, settings: curves) }
        results.samples.add(stage.learner, policy: stage.policy, seeds: stage.seeds, experiment: experiment)
        results.runs.append(.init(seed: seed, algorithm: stage.learner, steps: stage.log.count, finalLoss: stage.log.last?.values["loss"],
                          metrics: measured.mapValues(\.metrics), curve: curve))
        for split in Split.evaluated.map(\.rawValue) {
            results.prompts.append(.init(seed: seed, algorithm: stage.learner, split: split, wtr: measured[split]!.promptWTR))
        }
        results.steps.append(StepLog(seed: seed, learner: stage.learner, steps: stage.log))
        results.pairs.append(PairLog(seed: seed, learner: stage.learner, pairs: stage.pairs))
        results.timings.append(.init(seed: seed, algorithm: stage.learner, trainingSeconds: (trained - stageBegan).seconds,
                             evaluationSeconds: (evaluated - trained).seconds, curveSeconds: (clock.now - evaluated).seconds))
        stageBegan = clock.now
    }
}

/// A run's every step, as its learner logged them (TRL's names: `loss`, `rewards/chosen`, `learning_rate`, ...).
public struct StepLog: Sendable, Codable, Equatable {
    /// The learner name the shared warm start's log goes by.
    public static let warmStart = "warm-start"
    public var seed: UInt64
    public var learner: String
    public var steps: [StepMetrics]
}

/// The pairs a run's critic decided during training, in the order judged.
public struct PairLog: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var learner: String
    public var pairs: [JudgedPair]
}

/// A seed's teacher data for the training prompts, one (prompt, completion) per teacher output: TRL's
/// prompt-completion format.
public struct DemonstrationLog: Sendable, Codable, Equatable {
    public struct Example: Sendable, Codable, Equatable {
        public var prompt: String
        public var completion: String
    }

    public var seed: UInt64
    public var examples: [Example]
}
