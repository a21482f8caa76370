import HumorGym
import Learners
import Stochastics
import Transformer

/// The protocol every command follows: imitation on the run's teacher outputs for `warmStartEpochs` (the
/// shared warm start), then each learner (a ``LearnerChain``: one learner, or stages one after another) from
/// that same start. It keeps every step's log, the warm start's included; ``Evaluation`` measures what it made.
public struct Trainer: Sendable {
    public let experiment: Experiment

    public init(_ experiment: Experiment) { self.experiment = experiment }

    /// What one learner (or chain) made of the warm start: the trained student, its per-step log over all
    /// stages, and its seeds (the evaluation's streams derive from them).
    public struct Stage<P: Sendable>: Sendable {
        public var learner: String
        public var policy: P
        public var log: [StepMetrics]
        public var seeds: SeedSequence
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
    /// as the run that never stopped.
    public func train<P: TrainablePolicy>(
        _ student: P, learners: [LearnerChain], run: Experiment.Run, checkpointing: RunCheckpointing? = nil,
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
        func parameters(_ saved: [Double]?, _ what: String) throws -> [P.Scalar] {
            guard let saved, saved.count == start.parameters.count else {
                throw HumorGymError("\(checkpointing?.path ?? ""): the training state lacks \(what) for this policy")
            }
            return saved.map(P.Scalar.init)
        }
        var start = student
        var warmStartLog: [StepMetrics] = []
        if let saved, saved.phase != RunCheckpoint.warmStartPhase {
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
            for (index, learner) in chain.stages.enumerated().dropFirst(first) {
                var context = try context(run: run, learner: chain.seeds(ofStage: index, chain: seeds), resume: index == first ? resumed?.loop : nil,
                                          progress: { progress(Self.trainingPhase, $0) })
                context.checkpoint = saver(phase: chain.name, stage: index, start: start.parameters.map(Double.init),
                                           stageStart: index > 0 ? policy.parameters.map(Double.init) : nil)
                log += try await learner.train(&policy, context: context)
            }
            stages.append(Stage(learner: chain.name, policy: policy, log: log, seeds: seeds))
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
        var context = TrainingContext(
            prompts: experiment.world.prompts(.train), demonstrations: run.teacherOutputs.train,
            critic: critic, optimizer: experiment.policySpec.optimizer, seeds: seeds, streams: streams, progress: progress)
        context.resume = resume
        return context
    }
}
