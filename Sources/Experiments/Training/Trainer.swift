import HumorGym
import Learners
import Stochastics
import Transformer

/// The protocol every command follows: imitation on the run's teacher outputs for `warmStartEpochs` (the
/// shared warm start), then each learner (a ``LearnerChain``: one learner, or stages one after another) from
/// that same start. It keeps every step's log, the warm start's included; ``Evaluation`` measures what it made.
public struct Trainer: Sendable {
    public let experiment: Experiment
    /// Train on the first this many prompts of the training split, with their teacher outputs (the paper's
    /// data-size study); nil: all of them.
    public var trainingPrompts: Int?
    /// Keep the learners' parameters at every boundary (end of an epoch or round; ``Stage/boundaries``), to
    /// measure training as it went without touching any training stream.
    public var recordsBoundaries: Bool
    /// Keep every pair the critic decided during the learners' training (``Stage/pairs``), for export.
    public var recordsPairs: Bool

    public init(_ experiment: Experiment, trainingPrompts: Int? = nil, recordsBoundaries: Bool = false, recordsPairs: Bool = false) {
        self.experiment = experiment
        self.trainingPrompts = trainingPrompts
        self.recordsBoundaries = recordsBoundaries
        self.recordsPairs = recordsPairs
    }

    /// What one learner (or chain) made of the warm start: the trained student, its per-step log over all
    /// stages, its seeds (the evaluation's streams derive from them), and with `recordsBoundaries` its
    /// parameters at each boundary.
    public struct Stage<P: Sendable>: Sendable {
        public var learner: String
        public var policy: P
        public var log: [StepMetrics]
        public var seeds: SeedSequence
        public var boundaries: [Boundary] = []
        /// With ``Trainer/recordsPairs``, the pairs its critic decided, stage after stage, in the order judged.
        public var pairs: [JudgedPair] = []
    }

    /// A learner's parameters at the end of an epoch or round, after `step` steps of its chain.
    public struct Boundary: Sendable {
        public var step: Int
        public var parameters: [Double]
    }

    /// The warm start (the learners' common start and reference) with its log, and each learner's stage.
    public struct Result<P: Sendable>: Sendable {
        public var start: P
        public var warmStartLog: [StepMetrics]
        public var stages: [Stage<P>]
    }

    /// The phase a step belongs to, for `progress`.
    public static let warmStartPhase = RunCheckpoint.warmStartPhase
    public static let trainingPhase = "train"

    /// Trains `learners` from the warm start of `run`. `progress` sees every step with its phase; returning
    /// false stops that phase. `finished` sees each stage as soon as it is done, with the warm start (to
    /// measure it before the next learner trains). With `checkpointing` (one learner or chain only), the
    /// training state is saved at every epoch or round, and a resumed run continues from the saved one exactly
    /// as the run that never stopped. With `warmStart` (the parameters a warm start of this run made, as a
    /// sweep's warm-start unit saves them) the learners start from it, and the warm start is not trained again.
    public func train<P: TrainablePolicy>(
        _ student: P, learners: [LearnerChain], run: Experiment.Run, warmStart: [Double]? = nil, checkpointing: RunCheckpointing? = nil,
        progress: @escaping @Sendable (_ phase: String, StepMetrics) -> Bool = { _, _ in true },
        finished: (_ stage: Stage<P>, _ start: P) async throws -> Void = { _, _ in }
    ) async throws -> Result<P> {
        guard checkpointing == nil || learners.count == 1 else {
            throw HumorGymError("a training state is kept for one learner at a time; got \(learners.count)")
        }
        let saved = try checkpointing?.load()
        let dtype: SafeTensors.Tensor.DType = MemoryLayout<P.Scalar>.size == 4 ? .f32 : .f64
        func saver(phase: String, stage: Int = 0, start: [Double]?, stageStart: [Double]? = nil) -> (@Sendable (LoopState) throws -> Void)? {
            guard let c = checkpointing else { return nil }
            return { @Sendable loop in
                try RunCheckpoint(identity: c.identity, phase: phase, stage: stage, loop: loop, start: start, stageStart: stageStart,
                                  dtype: dtype).save(to: c.path)
            }
        }
        func parameters(_ saved: [Double]?, _ what: String, in file: String? = checkpointing?.path) throws -> [P.Scalar] {
            guard let saved, saved.count == student.parameters.count else {
                throw HumorGymError("\(file ?? ""): the training state lacks \(what) for this policy")
            }
            return saved.map(P.Scalar.init)
        }
        var start = student
        var warmStartLog: [StepMetrics] = []
        if let warmStart {
            start.parameters = try parameters(warmStart, "the warm start's parameters", in: "the given warm start")
        } else if let saved, saved.phase != RunCheckpoint.warmStartPhase {
            start.parameters = try parameters(saved.start, "the warm start's parameters")
        } else {
            var warmStart = Imitation.Parameters()
            warmStart.epochs = experiment.policySpec.warmStartEpochs
            var context = try context(run: run, learner: run.seeds.child("warm-start"), resume: saved?.loop,
                                      progress: { progress(Self.warmStartPhase, $0) })
            context.checkpoint = saver(phase: RunCheckpoint.warmStartPhase, start: nil)
            warmStartLog = try await Imitation(warmStart).train(&start, context: context)
        }
        var stages: [Stage<P>] = []
        for chain in learners {
            let seeds = run.seeds.child(chain.name)
            var policy = start
            var log: [StepMetrics] = []
            // A resumed chain continues in the stage it stood in, from the policy that stage started from.
            let resumed = saved.flatMap { $0.phase == chain.name ? $0 : nil }
            let first = resumed?.stage ?? 0
            guard first < chain.stages.count else {
                throw HumorGymError("\(checkpointing?.path ?? ""): the training state stands in stage \(first + 1) of '\(chain.name)', which has \(chain.stages.count)")
            }
            if let resumed, first > 0 { policy.parameters = try parameters(resumed.stageStart, "stage \(first + 1)'s starting parameters") }
            let boundaries = Recorder<Boundary>()
            var pairs: [JudgedPair] = []
            for (index, learner) in chain.stages.enumerated().dropFirst(first) {
                var context = try context(run: run, learner: chain.seeds(ofStage: index, chain: seeds), resume: index == first ? resumed?.loop : nil,
                                          progress: { progress(Self.trainingPhase, $0) })
                let save = saver(phase: chain.name, stage: index, start: start.parameters.map(Double.init),
                                 stageStart: index > 0 ? policy.parameters.map(Double.init) : nil)
                let offset = log.count, records = recordsBoundaries
                if save != nil || records {
                    context.checkpoint = { loop in
                        try save?(loop)
                        if records { boundaries.append(Boundary(step: offset + loop.step, parameters: loop.parameters)) }
                    }
                }
                let recording = recordsPairs ? RecordingEnvironment(context.environment) : nil
                if let recording { context.environment = recording }
                log += try await learner.train(&policy, context: context)
                pairs += recording?.pairs ?? []
            }
            stages.append(Stage(learner: chain.name, policy: policy, log: log, seeds: seeds, boundaries: boundaries.values, pairs: pairs))
            try await finished(stages[stages.count - 1], start)
        }
        return Result(start: start, warmStartLog: warmStartLog, stages: stages)
    }

    /// A learner's context: its streams (restored from `resume`, if given) and a critic drawing from them.
    func context(run: Experiment.Run, learner seeds: SeedSequence, resume: LoopState? = nil,
                 progress: @escaping @Sendable (StepMetrics) -> Bool) throws -> TrainingContext {
        let streams = RandomStreams(seeds: seeds, restoring: resume?.streams ?? [:])
        let critic = experiment.critic(seed: seeds.seed(for: "critic"), run: run)
        // A mock critic's generator is part of the training state; an LLM critic's answers are in its cache.
        if let owner = critic as? any RandomStateOwner { try streams.track("critic", owner) }
        let count = trainingPrompts ?? Int.max
        var context = TrainingContext(
            prompts: Array(experiment.world.prompts(.train).prefix(count)), demonstrations: Array(run.teacherOutputs.train.prefix(count)),
            critic: critic, optimizer: experiment.policySpec.optimizer, seeds: seeds, streams: streams, progress: progress)
        context.resume = resume
        return context
    }
}
