import Learners
import Critics
import HumorGym
import LinearAlgebra
import Policies
import Stochastics
import Worlds

/// One environment and one student kind, built once and shared by every seed and learner of a run:
/// the world, the student's feature matrix, and factories for teachers, critics and evaluators.
///
/// Seeds: a run with root seed s uses `SeedSequence(root: s)`; every component derives its own stream
/// by name ("teacher", "warm-start", "<learner>/critic", ...), so adding one never shifts another.
public final class Experiment: Sendable {
    public let environment: EnvironmentSpec
    public let policySpec: PolicySpec
    public let world: ParaphraseWorld
    /// Threads for each transformer student's batches; results are the same for any count.
    public let threads: Int
    private let features: LogLinearPolicy.Features?

    public init(environment: EnvironmentSpec, policy: PolicySpec, threads: Int = 1) throws {
        self.environment = environment
        self.policySpec = policy
        self.threads = threads
        self.world = try ParaphraseWorld(environment.world)
        // Deterministic mode: OpenBLAS's threaded reductions would reorder sums.
        BLAS.setThreadCount(1)
        switch policy.kind {
        case .logLinear:
            let bytes = Double(world.candidates.offsets.last!) * Double(policy.features) * 8
            guard bytes <= 4 * 1_073_741_824 else {
                throw HumorGymError(String(format: "the log-linear student's feature matrix would take %.1f GiB (%d candidates x %d features); lower `features` or the prompt counts", bytes / 1_073_741_824, world.candidates.offsets.last!, policy.features))
            }
            features = LogLinearPolicy.Features(map: FeatureMap(dimension: policy.features), prompts: world.allPrompts,
                                                candidates: world.candidates)
        case .tabular, .transformer:
            features = nil
        }
    }

    /// One seed's shared data: its seeds, its teacher and the teacher's outputs for every split.
    public struct Run: Sendable {
        public let seeds: SeedSequence
        public let teacher: WorldTeacher
        public let teacherOutputs: [Split: [[Text]]]
    }

    /// The run of root seed `seed`: its teacher writes N outputs for every prompt of every split.
    public func run(seed: UInt64) -> Run {
        let seeds = SeedSequence(root: seed)
        let teacher = WorldTeacher(world: world, configuration: environment.teacher, seed: seeds.seed(for: "teacher"))
        var outputs: [Split: [[Text]]] = [:]
        for split in Split.allCases {
            outputs[split] = world.prompts(split).map { teacher.outputs(for: $0, count: environment.teacherOutputs) }
        }
        return Run(seeds: seeds, teacher: teacher, teacherOutputs: outputs)
    }

    /// A mock critic for `run`: the environment's critic (or `configuration`), whose self-preference is for
    /// the run's own teacher.
    public func critic(seed: UInt64, run: Run, configuration: MockCritic.Configuration? = nil, name: String = "mock") -> MockCritic {
        let teacher = run.teacher
        return MockCritic(gold: world.goldJudge, configuration: configuration ?? environment.critic, seed: seed,
                          idiosyncrasy: { teacher.idiosyncrasy($0, for: $1) }, name: name)
    }

    /// Every pair of distinct teacher outputs for each prompt of `split`: what `diagnose-critic` judges.
    public func teacherPairs(_ split: Split, run: Run) -> [PairRequest] {
        var pairs: [PairRequest] = []
        for (prompt, outputs) in zip(world.prompts(split), run.teacherOutputs[split]!) {
            for i in outputs.indices {
                for j in outputs.indices where j > i && outputs[i] != outputs[j] {
                    pairs.append(PairRequest(prompt: prompt, first: outputs[i], second: outputs[j]))
                }
            }
        }
        return pairs
    }

    func evaluator(seeds: SeedSequence, run: Run) -> Evaluator {
        switch environment.evaluator {
        case .gold: Evaluator(.gold(world.goldJudge))
        case .critic: Evaluator(.critic(critic(seed: seeds.seed(for: "evaluator"), run: run)))
        case .mock(let configuration): Evaluator(.critic(critic(seed: seeds.seed(for: "evaluator"), run: run, configuration: configuration, name: "evaluator")))
        }
    }

    /// Calls `body` with a fresh, untrained student of the spec's kind.
    public func withStudent<R>(_ body: (any TrainablePolicy) async throws -> R) async throws -> R {
        switch policySpec.kind {
        case .logLinear: return try await body(LogLinearPolicy(candidates: world.candidates, features: features!))
        case .tabular: return try await body(TabularPolicy(candidates: world.candidates))
        case .transformer:
            var student = try TransformerPolicy(tokenizer: Tokenizer(vocabulary: world.vocabulary), configuration: policySpec.transformer,
                                                sampling: policySpec.sampling)
            student.threads = threads
            return try await body(student)
        }
    }

    /// What one learner made of the warm start: the trained student, its per-step log, its metrics by split.
    public struct Outcome<P: Sendable>: Sendable {
        public var learner: String
        public var policy: P
        public var log: [StepMetrics]
        public var metrics: [String: SplitMetrics]
    }

    /// The protocol every command follows: imitation on the run's teacher outputs for `warmStartEpochs` (the
    /// shared warm start), then each learner from that same start, each evaluated on test and OOD.
    /// `progress` sees every step, with its phase ("warm-start" or "train"); returning false stops that phase.
    /// With `checkpointing` (one learner only), the training state is saved at every epoch or round, and a
    /// resumed run continues from the saved one exactly as the run that never stopped.
    public func warmStartAndTrain<P: TrainablePolicy>(
        _ student: P, learners: [any Algorithm], run: Run, checkpointing: RunCheckpointing? = nil,
        progress: @escaping @Sendable (_ phase: String, StepMetrics) -> Bool = { _, _ in true }
    ) async throws -> (start: P, outcomes: [Outcome<P>]) {
        guard checkpointing == nil || learners.count == 1 else {
            throw HumorGymError("a training state is kept for one learner at a time; got \(learners.count)")
        }
        let saved = try checkpointing?.load()
        let dtype: SafeTensors.Tensor.DType = MemoryLayout<P.Scalar>.size == 4 ? .f32 : .f64
        func saver(phase: String, start: [Double]?) -> (@Sendable (LoopState) throws -> Void)? {
            guard let c = checkpointing else { return nil }
            return { @Sendable loop in
                try RunCheckpoint(identity: c.identity, phase: phase, loop: loop, start: start, dtype: dtype).save(to: c.path)
            }
        }
        var start = student
        if let saved, saved.phase != RunCheckpoint.warmStartPhase {
            guard let parameters = saved.start, parameters.count == start.parameters.count else {
                throw HumorGymError("\(checkpointing!.path): the training state lacks the warm start's parameters for this policy")
            }
            start.parameters = parameters.map(P.Scalar.init)
        } else {
            var warmStart = Imitation.Parameters()
            warmStart.epochs = policySpec.warmStartEpochs
            var context = try context(run: run, learner: run.seeds.child("warm-start"), resume: saved?.loop,
                                      progress: { progress("warm-start", $0) })
            context.checkpoint = saver(phase: RunCheckpoint.warmStartPhase, start: nil)
            _ = try await Imitation(warmStart).train(&start, context: context)
        }
        var outcomes: [Outcome<P>] = []
        for learner in learners {
            let seeds = run.seeds.child(learner.name)
            var policy = start
            let resume = saved.flatMap { $0.phase == learner.name ? $0.loop : nil }
            var context = try context(run: run, learner: seeds, resume: resume, progress: { progress("train", $0) })
            context.checkpoint = saver(phase: learner.name, start: start.parameters.map(Double.init))
            let log = try await learner.train(&policy, context: context)
            outcomes.append(Outcome(learner: learner.name, policy: policy, log: log,
                                    metrics: try await evaluate(policy, start: start, run: run, learner: seeds)))
        }
        return (start, outcomes)
    }

    /// A learner's context: its streams (restored from `resume`, if given) and a critic drawing from them.
    func context(run: Run, learner seeds: SeedSequence, resume: LoopState? = nil,
                 progress: @escaping @Sendable (StepMetrics) -> Bool) throws -> TrainingContext {
        let streams = RandomStreams(seeds: seeds, restoring: resume?.streams ?? [:])
        let critic = critic(seed: seeds.seed(for: "critic"), run: run)
        try streams.track("critic", critic)
        var context = TrainingContext(
            prompts: world.prompts(.train), demonstrations: run.teacherOutputs[.train]!,
            critic: critic, optimizer: policySpec.optimizer, seeds: seeds, streams: streams, progress: progress)
        context.resume = resume
        return context
    }

    /// Metrics on the test and OOD splits, keyed by split name.
    func evaluate<P: Policy>(_ policy: P, start: P, run: Run, learner: SeedSequence) async throws -> [String: SplitMetrics] {
        var out: [String: SplitMetrics] = [:]
        for split in [Split.test, .ood] {
            let seeds = learner.child("evaluation").child(split.rawValue)
            out[split.rawValue] = try await SplitMetrics.measure(
                policy: policy, start: start, prompts: world.prompts(split), teacherOutputs: run.teacherOutputs[split]!,
                greedy: environment.decoding == .greedy, samples: environment.evaluationSamples, gold: world.goldJudge,
                evaluator: evaluator(seeds: seeds, run: run), critic: critic(seed: seeds.seed(for: "critic"), run: run),
                stream: seeds.stream("samples"))
        }
        return out
    }
}
