import Critics
import Foundation
import HumorGym
import Learners
import Teachers

/// What one seed of a study made, learner by learner, as `compare` and `run` record it: each learner's
/// metrics (and curve), its per-prompt outcomes, step log, judged pairs and samples, how long it took, and
/// the seed's teacher. ``ResultsFolder/init(experiment:algorithms:rootSeed:curves:seeds:totalSeconds:)`` gathers seeds into a folder.
public struct SeedRecord: Sendable {
    public internal(set) var runs: [ComparisonReport.RunRecord] = []
    public internal(set) var prompts: [PromptOutcomes.Record] = []
    public internal(set) var steps: [StepLog] = []
    public internal(set) var pairs: [PairLog] = []
    /// The training critic measured as the paper's Table 1 (``diagnoseCritic()``), when asked.
    public internal(set) var critic: CriticDiagnostics?
    /// The teacher's outputs for the training prompts: what the warm start imitates.
    public let demonstrations: DemonstrationLog
    public internal(set) var timings: [Timings.Run] = []
    public internal(set) var samples: SampleSheet
    public let teacher: [String: TeacherReport]
    /// What its LLM teacher's calls gave (nil for other teachers).
    public let calls: LLMTeacher.Tally.Counts?
    let experiment: Experiment
    let run: Experiment.Run
    public let curves: CurveSettings?
    private let clock = ContinuousClock()
    private var stageBegan: ContinuousClock.Instant

    public init(experiment: Experiment, run: Experiment.Run, curves: CurveSettings?) {
        self.experiment = experiment
        self.run = run
        self.curves = curves
        samples = SampleSheet(seed: run.seeds.root, experiment: experiment, run: run)
        teacher = Evaluation(experiment).teacherReport(run)
        calls = (run.teacher as? LLMTeacher)?.tally.counts
        demonstrations = DemonstrationLog(seed: run.seeds.root, examples: zip(experiment.world.prompts(.train), run.teacherOutputs.train).flatMap { prompt, outputs in
            outputs.map { DemonstrationLog.Example(prompt: prompt.text.string, completion: $0.string) }
        })
        stageBegan = clock.now
    }

    /// Trains `learners` from the run's warm start (as ``Trainer/train(_:learners:run:checkpointing:progress:finished:)``)
    /// and records each as it finishes.
    public mutating func train<P: TrainablePolicy>(
        _ student: P, learners: [LearnerChain], checkpointing: RunCheckpointing? = nil,
        progress: @escaping @Sendable (_ phase: String, StepMetrics) -> Bool = { _, _ in true },
        finished: (ComparisonReport.RunRecord) -> Void = { _ in }
    ) async throws -> Trainer.Result<P> {
        let trainer = Trainer(experiment, recordsBoundaries: curves != nil, recordsPairs: true)
        let result = try await trainer.train(student, learners: learners, run: run, checkpointing: checkpointing, progress: progress) { stage, start in
            try await self.add(stage, start: start)
            finished(self.runs[self.runs.count - 1])
        }
        steps.insert(StepLog(seed: run.seeds.root, learner: StepLog.warmStart, steps: result.warmStartLog), at: 0)
        return result
    }

    /// Measures the training critic (on a stream of its own) against gold on the first `pairs` pairs of the
    /// teacher's test outputs, in both orders: the biases the run trained against.
    public mutating func diagnoseCritic(pairs: Int) async throws {
        let critic = experiment.critic(seed: run.seeds.child("report").seed(for: "critic"), run: run)
        self.critic = try await CriticDiagnostics.measure(critic: critic, gold: experiment.gold,
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
        samples.add(stage.learner, policy: stage.policy, seeds: stage.seeds, experiment: experiment)
        runs.append(.init(seed: seed, algorithm: stage.learner, steps: stage.log.count, finalLoss: stage.log.last?.values["loss"],
                          metrics: measured.mapValues(\.metrics), curve: curve))
        for split in Split.evaluated.map(\.rawValue) {
            prompts.append(.init(seed: seed, algorithm: stage.learner, split: split, wtr: measured[split]!.promptWTR))
        }
        steps.append(StepLog(seed: seed, learner: stage.learner, steps: stage.log))
        pairs.append(PairLog(seed: seed, learner: stage.learner, pairs: stage.pairs))
        timings.append(.init(seed: seed, algorithm: stage.learner, trainingSeconds: (trained - stageBegan).seconds,
                             evaluationSeconds: (evaluated - trained).seconds, curveSeconds: (clock.now - evaluated).seconds))
        stageBegan = clock.now
    }
}

/// A run's every step, as its learner logged them (TRL's names: `loss`, `rewards/chosen`, `learning_rate`, ...).
public struct StepLog: Sendable, Equatable {
    /// The learner name the shared warm start's log goes by.
    public static let warmStart = "warm-start"
    public var seed: UInt64
    public var learner: String
    public var steps: [StepMetrics]
}

/// The pairs a run's critic decided during training, in the order judged.
public struct PairLog: Sendable, Equatable {
    public var seed: UInt64
    public var learner: String
    public var pairs: [JudgedPair]
}

/// A seed's teacher data for the training prompts, one (prompt, completion) per teacher output: TRL's
/// prompt-completion format.
public struct DemonstrationLog: Sendable, Equatable {
    public struct Example: Sendable, Codable, Equatable {
        public var prompt: String
        public var completion: String
    }

    public var seed: UInt64
    public var examples: [Example]
}
