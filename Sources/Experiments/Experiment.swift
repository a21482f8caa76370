import Learners
import Critics
import HumorGym
import LinearAlgebra
import LLM
import Policies
import Stochastics
import Worlds

/// One environment and one student kind, built once and shared by every seed and learner of a run:
/// the world, the student's feature matrix, the LLM clients, and factories for teachers, critics and
/// evaluators.
///
/// Seeds: a run with root seed s uses `SeedSequence(root: s)`; every component derives its own stream
/// by name ("teacher", "warm-start", "<learner>/critic", ...), so adding one never shifts another.
public final class Experiment: Sendable {
    public let environment: EnvironmentSpec
    public let policySpec: PolicySpec
    public let world: any World
    /// The simulated world's gold judge; nil for a corpus of human jokes.
    public let gold: (any GoldJudge)?
    /// Threads for each transformer student's batches; results are the same for any count.
    public let threads: Int
    private let features: LogLinearPolicy.Features?
    /// The run's teacher from the run's seeds, with the part of its taste a self-preferring mock critic shares.
    private let makeTeacher: @Sendable (SeedSequence) -> (teacher: any Teacher, idiosyncrasy: (@Sendable (Text, Prompt) -> Double)?)
    /// One client per LLM server the environment names, shared by its teacher, critic and evaluator: one
    /// concurrency bound, one request budget and one cache per server.
    private let clients: [(spec: LLMSpec, client: LLMClient)]

    public init(environment: EnvironmentSpec, policy: PolicySpec, threads: Int = 1) throws {
        self.environment = environment
        self.policySpec = policy
        self.threads = threads
        // Deterministic mode: OpenBLAS's threaded reductions would reorder sums.
        BLAS.setThreadCount(1)
        var critics = [environment.critic]
        if case .separate(let judge) = environment.evaluator { critics.append(judge) }
        try Self.check(environment, policy: policy, critics: critics)
        var llms = critics.compactMap { if case .llm(let spec) = $0 { spec } else { nil } }
        if case .llm(let spec, _, _) = environment.teacher { llms.insert(spec, at: 0) }
        var clients: [(spec: LLMSpec, client: LLMClient)] = []
        for spec in llms where !clients.contains(where: { $0.spec == spec }) { clients.append((spec, try LLMClient(spec.endpoint))) }
        self.clients = clients

        var paraphrase: ParaphraseWorld?, jokes: JokeWorld?
        switch environment.world {
        case .paraphrase(let configuration): paraphrase = try ParaphraseWorld(configuration)
        case .jokes(let configuration): jokes = try JokeWorld(configuration)
        }
        let world: any World = paraphrase ?? jokes!
        gold = paraphrase?.goldJudge
        // `check` matched each teacher with its world.
        switch environment.teacher {
        case .world(let configuration):
            let simulated = paraphrase!
            makeTeacher = { seeds in
                let teacher = WorldTeacher(world: simulated, configuration: configuration, seed: seeds.seed(for: "teacher"))
                return (teacher, { teacher.idiosyncrasy($0, for: $1) })
            }
        case .corpus:
            let corpus = CorpusTeacher(world: jokes!)
            makeTeacher = { _ in (corpus, nil) }
        case .llm(let spec, let temperature, let template):
            let client = clients.first { $0.spec == spec }!.client, vocabulary = world.vocabulary
            makeTeacher = { _ in (LLMTeacher(client: client, template: template, temperature: temperature, vocabulary: vocabulary, name: spec.name), nil) }
        }
        self.world = world
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

    /// The combinations that cannot run, refused before any world is built or any cache file is opened.
    private static func check(_ environment: EnvironmentSpec, policy: PolicySpec, critics: [CriticSpec]) throws {
        let name = environment.name, simulated = environment.world.isSimulated
        switch environment.teacher {
        case .world where !simulated: throw HumorGymError("environment \(name): a world teacher needs the paraphrase world")
        case .corpus where simulated: throw HumorGymError("environment \(name): a corpus teacher needs the jokes world")
        case .llm where policy.kind != .transformer:
            throw HumorGymError("the \(policy.name) student chooses among the world's candidates, and an LLM teacher's outputs are not among them; use a transformer policy (transformer-tiny)")
        default: break
        }
        let mocks = critics.compactMap { if case .mock(let c) = $0 { c } else { nil } }
        if !simulated && (!mocks.isEmpty || environment.evaluator == .gold) {
            throw HumorGymError("environment \(name): the jokes world has no gold judge, so neither a mock critic nor the gold evaluator; use an LLM critic")
        }
        let worldTeacher = if case .world = environment.teacher { true } else { false }
        if !worldTeacher && mocks.contains(where: { $0.teacherPreference != 0 }) {
            throw HumorGymError("environment \(name): a mock critic's teacherPreference is for the world teacher's own taste; with this teacher it must be 0")
        }
    }

    /// The client of an LLM the environment names (its counters: requests sent, retries, cache hits); nil for
    /// any other.
    public func llmClient(_ spec: LLMSpec) -> LLMClient? { clients.first { $0.spec == spec }?.client }

    /// One seed's shared data: its seeds, its teacher and the teacher's outputs for every split.
    public struct Run: Sendable {
        public let seeds: SeedSequence
        public let teacher: any Teacher
        public let teacherOutputs: [Split: [[Text]]]
        /// The world teacher's own taste (nil for other teachers), which a self-preferring mock critic shares.
        public let idiosyncrasy: (@Sendable (Text, Prompt) -> Double)?
    }

    /// The run of root seed `seed`: its teacher writes N outputs for every prompt of every split. (An LLM
    /// teacher's requests do not depend on the seed, so with a cache every seed reads the same answers.)
    public func run(seed: UInt64) async throws -> Run {
        let seeds = SeedSequence(root: seed)
        let (teacher, idiosyncrasy) = makeTeacher(seeds)
        var outputs: [Split: [[Text]]] = [:]
        for split in Split.allCases {
            outputs[split] = try await teacher.demonstrations(for: world.prompts(split), count: environment.teacherOutputs)
        }
        return Run(seeds: seeds, teacher: teacher, teacherOutputs: outputs, idiosyncrasy: idiosyncrasy)
    }

    /// The environment's critic for `run`. A mock's self-preference is for the run's own teacher; an LLM
    /// critic reads texts through the world's vocabulary.
    public func critic(seed: UInt64, run: Run, name: String? = nil) -> any Critic {
        critic(environment.critic, seed: seed, run: run, name: name)
    }

    /// The critic of `spec`, which is the environment's critic or its evaluator's: `init` checked both (a
    /// mock only where there is a gold judge; a client for every LLM).
    private func critic(_ spec: CriticSpec, seed: UInt64, run: Run, name: String?) -> any Critic {
        switch spec {
        case .mock(let configuration):
            MockCritic(gold: gold!, configuration: configuration, seed: seed, idiosyncrasy: run.idiosyncrasy, name: name ?? "mock")
        case .llm(let llm):
            LLMCritic(judge: LLMJudge(client: llmClient(llm)!), vocabulary: world.vocabulary, name: name ?? llm.name)
        }
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
        case .gold: Evaluator(.gold(gold!))  // `init` refused the gold evaluator in a world without one
        case .critic: Evaluator(.critic(critic(seed: seeds.seed(for: "evaluator"), run: run)))
        case .separate(let spec): Evaluator(.critic(critic(spec, seed: seeds.seed(for: "evaluator"), run: run, name: "evaluator")))
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
        // A mock critic's generator is part of the training state; an LLM critic's answers are in its cache.
        if let owner = critic as? any RandomStateOwner { try streams.track("critic", owner) }
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
                greedy: environment.decoding == .greedy, samples: environment.evaluationSamples, gold: gold,
                evaluator: evaluator(seeds: seeds, run: run), critic: critic(seed: seeds.seed(for: "critic"), run: run),
                stream: seeds.stream("samples"))
        }
        return out
    }
}
