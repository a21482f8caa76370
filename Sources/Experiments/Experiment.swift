import Algorithms
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
    private let features: LogLinearPolicy.Features?

    public init(environment: EnvironmentSpec, policy: PolicySpec) throws {
        self.environment = environment
        self.policySpec = policy
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
        case .tabular:
            features = nil
        }
    }

    public func teacher(seeds: SeedSequence) -> WorldTeacher {
        WorldTeacher(world: world, configuration: environment.teacher, seed: seeds.seed(for: "teacher"))
    }

    public func critic(seed: UInt64, configuration: MockCritic.Configuration? = nil, name: String = "mock") -> MockCritic {
        let teacher = WorldTeacher(world: world, configuration: environment.teacher, seed: seed)
        return MockCritic(gold: world.goldJudge, configuration: configuration ?? environment.critic, seed: seed,
                          idiosyncrasy: { teacher.idiosyncrasy($0, for: $1) }, name: name)
    }

    /// One seed's shared data: its seeds and the teacher's outputs for every split.
    public struct Run: Sendable {
        public let seeds: SeedSequence
        public let teacherOutputs: [Split: [[Text]]]
    }

    /// Writes the teacher's outputs for every prompt under the root seed `seed`.
    public func run(seed: UInt64) -> Run {
        let seeds = SeedSequence(root: seed)
        let teacher = teacher(seeds: seeds)
        var outputs: [Split: [[Text]]] = [:]
        for split in Split.allCases {
            outputs[split] = world.prompts(split).map { teacher.outputs(for: $0, count: environment.teacherOutputs) }
        }
        return Run(seeds: seeds, teacherOutputs: outputs)
    }

    func evaluator(seeds: SeedSequence) -> Evaluator {
        switch environment.evaluator {
        case .gold: Evaluator(.gold(world.goldJudge))
        case .critic: Evaluator(.critic(critic(seed: seeds.seed(for: "evaluator"))))
        case .mock(let configuration): Evaluator(.critic(critic(seed: seeds.seed(for: "evaluator"), configuration: configuration, name: "evaluator")))
        }
    }

    /// Calls `body` with a fresh, untrained student of the spec's kind.
    public func withStudent<R>(_ body: (any CandidateSetPolicy) async throws -> R) async rethrows -> R {
        switch policySpec.kind {
        case .logLinear: try await body(LogLinearPolicy(candidates: world.candidates, features: features!))
        case .tabular: try await body(TabularPolicy(candidates: world.candidates))
        }
    }

    /// The learners' shared starting point: imitation on the teacher's outputs for `warmStartEpochs`.
    public func warmStart<P: TrainablePolicy>(_ policy: inout P, run: Run,
                                              progress: @escaping @Sendable (StepMetrics) -> Bool = { _ in true }) async throws -> [StepMetrics] {
        var parameters = Imitation.Parameters()
        parameters.epochs = policySpec.warmStartEpochs
        return try await Imitation(parameters).train(&policy, context: context(run: run, learner: run.seeds.child("warm-start"), progress: progress))
    }

    func context(run: Run, learner seeds: SeedSequence, progress: @escaping @Sendable (StepMetrics) -> Bool) -> TrainingContext {
        TrainingContext(
            prompts: world.prompts(.train), demonstrations: run.teacherOutputs[.train]!,
            critic: critic(seed: seeds.seed(for: "critic")), optimizer: policySpec.optimizer, seeds: seeds, progress: progress)
    }

    /// Trains `algorithm` from `start` (the warm start) and evaluates it on test and OOD.
    public func train<P: TrainablePolicy>(
        _ algorithm: any Algorithm, from start: P, run: Run,
        progress: @escaping @Sendable (StepMetrics) -> Bool = { _ in true }
    ) async throws -> (policy: P, log: [StepMetrics], metrics: [String: SplitMetrics]) {
        let seeds = run.seeds.child(algorithm.name)
        var policy = start
        let log = try await algorithm.train(&policy, context: context(run: run, learner: seeds, progress: progress))
        return (policy, log, try await evaluate(policy, start: start, run: run, learner: seeds))
    }

    /// Metrics on the test and OOD splits, keyed by split name.
    public func evaluate<P: Policy>(_ policy: P, start: P, run: Run, learner: SeedSequence) async throws -> [String: SplitMetrics] {
        var out: [String: SplitMetrics] = [:]
        for split in [Split.test, .ood] {
            let seeds = learner.child("evaluation").child(split.rawValue)
            out[split.rawValue] = try await SplitMetrics.measure(
                policy: policy, start: start, prompts: world.prompts(split), teacherOutputs: run.teacherOutputs[split]!,
                greedy: environment.greedyEvaluation, samples: environment.evaluationSamples, gold: world.goldJudge, evaluator: evaluator(seeds: seeds),
                critic: critic(seed: seeds.seed(for: "critic")), stream: seeds.stream("samples"))
        }
        return out
    }
}
