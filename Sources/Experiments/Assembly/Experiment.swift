import Foundation
import Critics
import HumorGym
import LinearAlgebra
import Llama
import LLM
import Policies
import Stochastics
import Teachers
import Transformer
import Worlds

/// One environment and one student kind, assembled once and shared by every seed and learner of a run: the
/// world, factories for its teacher, critics and evaluator, the student's factory, and the LLM clients.
/// Training (``Trainer``) and evaluation (``Evaluation``) take their parts from here.
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
    /// The LLM clients of every server the environment names, and of any critic a command adds.
    public let llms: LLMClientPool
    private let parts: Parts
    private let student: StudentKind

    /// What the environment's world makes: its teacher for a run's seeds, its critic and its evaluator.
    private struct Parts: Sendable {
        typealias TeacherFactory = @Sendable (SeedSequence) -> (teacher: any Teacher, idiosyncrasy: (@Sendable (Text, Prompt) -> Double)?)
        /// A critic drawing from `seed`; an LLM's calls are counted for `role` (the critic's, or the evaluator's).
        typealias CriticFactory = @Sendable (_ seed: UInt64, _ run: Run, _ name: String?, _ role: LLMRole) -> any Critic
        typealias EvaluatorFactory = @Sendable (_ seeds: SeedSequence, _ run: Run) -> Evaluator
        var teacher: TeacherFactory
        var critic: CriticFactory
        var evaluator: EvaluatorFactory
    }

    /// The student's kind with what it needs from the world.
    private enum StudentKind: Sendable {
        case logLinear(LogLinearPolicy.Features)
        case tabular
        case transformer
        /// The pretrained model, read once: every student of the experiment shares its base weights.
        case llama(PretrainedLlama)
    }

    /// The seeds `compare --seed S` runs: the first `count` derived from root seed `root`; `run --seed S` and
    /// `sample --seed S` run the first.
    public static func seeds(root: UInt64, count: Int) -> [UInt64] {
        (0..<count).map { SeedSequence(root: root).seed(for: "seed-\($0)") }
    }

    /// - Parameter llms: the LLM clients it opens its servers' in: a dry run's, a sweep shard's that records in
    ///   cache files of its own, or one that several experiments share (one concurrency bound per server).
    public init(environment: EnvironmentSpec, policy: PolicySpec, threads: Int = 1, llms: LLMClientPool = LLMClientPool()) throws {
        self.environment = environment
        self.policySpec = policy
        self.threads = threads
        // Deterministic mode: OpenBLAS's threaded reductions would reorder sums.
        BLAS.setThreadCount(1)
        self.llms = llms
        switch environment.world {
        case .paraphrase(let spec):
            let world = try Self.assemble(spec, environment: environment.name, policy: policy, llms: llms)
            (self.world, gold, parts) = (world.world, world.world.goldJudge, world.parts)
        case .jokes(let spec):
            let world = try Self.assemble(spec, policy: policy, llms: llms)
            (self.world, gold, parts) = (world.world, nil, world.parts)
        }
        switch policy.kind {
        case .logLinear:
            let map = FeatureMap(dimension: policy.features)
            let bytes = LogLinearPolicy.Features.maximumBytes(map: map, prompts: world.allPrompts, candidates: world.candidates)
            guard bytes <= 4 * 1_073_741_824 else {
                throw HumorGymError(String(format: "the log-linear student's features could take %.1f GiB (%d candidates, up to %d features each); lower `features` or the prompt counts", bytes / 1_073_741_824, world.candidates.offsets.last ?? 0, policy.features))
            }
            student = .logLinear(LogLinearPolicy.Features(map: map, prompts: world.allPrompts, candidates: world.candidates))
        case .tabular: student = .tabular
        case .transformer: student = .transformer
        case .llama:
            guard FileManager.default.fileExists(atPath: policy.pretrainedFile) else {
                throw HumorGymError("policy \(policy.name): the model file \(policy.pretrainedFile) does not exist (bash scripts/local-llm build installs SmolLM2-135M-Instruct's)")
            }
            student = .llama(try PretrainedLlama(path: policy.pretrainedFile))
        }
    }

    /// The rule that spans the environment and the policy file: an LLM teacher writes texts outside the world's
    /// candidate sets, which only a generative student can learn.
    private static func checkTeacher(isLLM: Bool, policy: PolicySpec) throws {
        guard !isLLM || policy.kind.isGenerative else {
            throw HumorGymError("the \(policy.name) student chooses among the world's candidates, and an LLM teacher's outputs are not among them; use a generative policy (transformer-tiny, smollm2-135m)")
        }
    }

    private static func llmTeacher(_ spec: LLMTeacherSpec, vocabulary: Vocabulary, llms: LLMClientPool) throws -> Parts.TeacherFactory {
        let teacher = LLMTeacher(model: try llms.client(spec.llm).model(for: .teacher), settings: spec.settings, vocabulary: vocabulary, name: spec.llm.name)
        return { _ in (teacher, nil) }
    }

    private static func llmCritic(_ spec: LLMSpec, llms: LLMClientPool) throws -> Parts.CriticFactory {
        let client = try llms.client(spec)
        return { _, _, name, role in LLMCritic(judge: LLMJudge(model: client.model(for: role)), name: name ?? spec.name) }
    }

    /// The evaluator that judges with the training critic (a fresh stream), or with `separate`, a critic of its own.
    private static func evaluator(training: @escaping Parts.CriticFactory, separate: Parts.CriticFactory?) -> Parts.EvaluatorFactory {
        if let separate { return { seeds, run in Evaluator(.critic(separate(seeds.seed(for: "evaluator"), run, "evaluator", .evaluator))) } }
        return { seeds, run in Evaluator(.critic(training(seeds.seed(for: "evaluator"), run, nil, .evaluator))) }
    }

    /// The paraphrase world and its parts.
    private static func assemble(_ spec: ParaphraseEnvironment, environment name: String, policy: PolicySpec,
                                 llms: LLMClientPool) throws -> (world: ParaphraseWorld, parts: Parts) {
        let isLLMTeacher = if case .llm = spec.teacher { true } else { false }
        try checkTeacher(isLLM: isLLMTeacher, policy: policy)
        var critics = [spec.critic]
        if case .separate(let evaluator) = spec.evaluator { critics.append(evaluator) }
        // Self-preference is a taste for the world teacher's own quirks, which no other teacher has.
        if isLLMTeacher, critics.contains(where: { if case .mock(let c) = $0 { c.teacherPreference != 0 } else { false } }) {
            throw HumorGymError("environment \(name): a mock critic's teacherPreference is for the world teacher's own taste; with this teacher it must be 0")
        }
        let world = try ParaphraseWorld(spec.world)
        let teacher: Parts.TeacherFactory
        switch spec.teacher {
        case .world(let configuration):
            teacher = { seeds in
                let teacher = WorldTeacher(world: world, configuration: configuration, seed: seeds.seed(for: "teacher"))
                return (teacher, { teacher.idiosyncrasy($0, for: $1) })
            }
        case .llm(let llm): teacher = try llmTeacher(llm, vocabulary: world.vocabulary, llms: llms)
        }
        func critic(_ spec: ParaphraseEnvironment.Critic) throws -> Parts.CriticFactory {
            switch spec {
            case .mock(let configuration):
                return { seed, run, name, _ in
                    MockCritic(gold: world.goldJudge, configuration: configuration, seed: seed, idiosyncrasy: run.idiosyncrasy, name: name ?? "mock")
                }
            case .llm(let llm): return try llmCritic(llm, llms: llms)
            }
        }
        let training = try critic(spec.critic)
        let evaluator: Parts.EvaluatorFactory
        switch spec.evaluator {
        case .gold: evaluator = { _, _ in Evaluator(.gold(world.goldJudge)) }
        case .critic: evaluator = Self.evaluator(training: training, separate: nil)
        case .separate(let spec): evaluator = Self.evaluator(training: training, separate: try critic(spec))
        }
        return (world, Parts(teacher: teacher, critic: training, evaluator: evaluator))
    }

    /// The jokes world and its parts.
    private static func assemble(_ spec: JokesEnvironment, policy: PolicySpec, llms: LLMClientPool) throws -> (world: JokeWorld, parts: Parts) {
        let isLLMTeacher = if case .llm = spec.teacher { true } else { false }
        try checkTeacher(isLLM: isLLMTeacher, policy: policy)
        let world = try JokeWorld(spec.world)
        let teacher: Parts.TeacherFactory
        switch spec.teacher {
        case .corpus:
            let corpus = CorpusTeacher(world: world)
            teacher = { _ in (corpus, nil) }
        case .llm(let llm): teacher = try llmTeacher(llm, vocabulary: world.vocabulary, llms: llms)
        }
        let training = try llmCritic(spec.critic, llms: llms)
        let evaluator: Parts.EvaluatorFactory
        switch spec.evaluator {
        case .critic: evaluator = Self.evaluator(training: training, separate: nil)
        case .separate(let spec): evaluator = Self.evaluator(training: training, separate: try llmCritic(spec, llms: llms))
        }
        return (world, Parts(teacher: teacher, critic: training, evaluator: evaluator))
    }

    /// One seed's shared data: its seeds, its teacher and the teacher's outputs for every split.
    public struct Run: Sendable {
        public let seeds: SeedSequence
        public let teacher: any Teacher
        public let teacherOutputs: PerSplit<[[Text]]>
        /// The world teacher's own taste (nil for other teachers), which a self-preferring mock critic shares.
        public let idiosyncrasy: (@Sendable (Text, Prompt) -> Double)?
    }

    /// The run of root seed `seed`: its teacher writes N outputs for every prompt of every split. (An LLM
    /// teacher's requests do not depend on the seed, so with a cache every seed reads the same answers.)
    /// - Parameter saved: the outputs an earlier run of this seed's teacher wrote (a sweep's warm-start unit
    ///   keeps an LLM teacher's), used instead of asking again.
    public func run(seed: UInt64, teacherOutputs saved: PerSplit<[[Text]]>? = nil) async throws -> Run {
        let seeds = SeedSequence(root: seed)
        let (teacher, idiosyncrasy) = parts.teacher(seeds)
        var outputs = saved ?? PerSplit<[[Text]]> { _ in [] }
        for split in Split.allCases where saved == nil {
            outputs[split] = try await teacher.demonstrations(for: world.prompts(split), count: environment.teacherOutputs)
        }
        return Run(seeds: seeds, teacher: teacher, teacherOutputs: outputs, idiosyncrasy: idiosyncrasy)
    }

    /// The environment's critic for `run`, drawing from `seed`. A mock's self-preference is for the run's own
    /// teacher; an LLM critic reads the texts as they were written.
    /// - Parameter role: who its LLM calls are counted for: the critic's feedback, or an evaluation's measurement.
    public func critic(seed: UInt64, run: Run, name: String? = nil, role: LLMRole = .critic) -> any Critic { parts.critic(seed, run, name, role) }

    /// An LLM critic on this experiment's world (`diagnose-critic --critic`), through the shared client pool.
    public func critic(llm spec: LLMSpec, seed: UInt64, run: Run) throws -> any Critic {
        try Self.llmCritic(spec, llms: llms)(seed, run, nil, .critic)
    }

    /// The evaluator of `run` for one learner and split, drawing from `seeds`.
    func evaluator(seeds: SeedSequence, run: Run) -> Evaluator { parts.evaluator(seeds, run) }

    /// Every pair of distinct teacher outputs for each prompt of `split`: what `diagnose-critic` judges.
    public func teacherPairs(_ split: Split, run: Run) -> [PairRequest] {
        var pairs: [PairRequest] = []
        for (prompt, outputs) in zip(world.prompts(split), run.teacherOutputs[split]) {
            for i in outputs.indices {
                for j in outputs.indices where j > i && outputs[i] != outputs[j] {
                    pairs.append(PairRequest(prompt: prompt, first: outputs[i], second: outputs[j]))
                }
            }
        }
        return pairs
    }

    /// Whether a critic's taste for its own teacher's writing can be measured here, and on which pairs.
    public enum SelfPreferencePairs: Sendable {
        /// The teacher's first output and, of the prompt's other candidates, the one gold scores nearest to it
        /// (a pair gold barely decides, so that a taste for the teacher's hand is not hidden by a clear winner).
        case measurable([PairRequest])
        case unmeasurable(because: String)
    }

    /// For the environment's critic, or the LLM `critic`: measurable where a gold judge says which text
    /// deserves to win and the critic shares the teacher's hand (a mock's taste for the world teacher, or an
    /// LLM judging its own model's outputs).
    public func selfPreferencePairs(_ split: Split, run: Run, critic llm: LLMSpec?) -> SelfPreferencePairs {
        guard case .paraphrase(let spec) = environment.world, let gold else {
            return .unmeasurable(because: "the jokes world has no gold judge to say which punchline deserves to win")
        }
        switch (spec.teacher, llm.map(ParaphraseEnvironment.Critic.llm) ?? spec.critic) {
        case (.world, .mock): break
        case (.llm(let teacher), .llm(let critic)) where teacher.llm.endpoint.model == critic.endpoint.model
            && teacher.llm.endpoint.baseURL == critic.endpoint.baseURL: break
        case (.world, .llm): return .unmeasurable(because: "the world's teacher wrote the outputs, not the critic's model")
        case (.llm, .mock): return .unmeasurable(because: "a mock critic's self-preference is for the world teacher, not an LLM")
        case (.llm, .llm): return .unmeasurable(because: "the critic's model is not the teacher's")
        }
        var pairs: [PairRequest] = []
        for (prompt, outputs) in zip(world.prompts(split), run.teacherOutputs[split]) {
            guard let own = outputs.first else { continue }
            let score = gold.judge(own, for: prompt).total
            let others = world.candidates[prompt].filter { !outputs.contains($0) }
            guard let other = others.min(by: { abs(gold.judge($0, for: prompt).total - score) < abs(gold.judge($1, for: prompt).total - score) })
            else { continue }
            pairs.append(PairRequest(prompt: prompt, first: own, second: other))
        }
        return .measurable(pairs)
    }

    /// Calls `body` with a fresh, untrained student of the spec's kind.
    public func withStudent<R>(_ body: (any TrainablePolicy) async throws -> R) async throws -> R {
        switch student {
        case .logLinear(let features): return try await body(LogLinearPolicy(candidates: world.candidates, features: features))
        case .tabular: return try await body(TabularPolicy(candidates: world.candidates))
        case .transformer:
            // Subword merges come from the training split only (its prompts, and the candidate responses a
            // world teacher draws its outputs from): test and out-of-distribution words are spelled from what
            // training showed. The teacher's own outputs depend on the run's seed; this keeps one tokenizer
            // for every seed.
            let train = world.prompts(.train)
            let tokenizer = Tokenizer(vocabulary: world.vocabulary, kind: policySpec.tokenizer,
                                      training: train.map(\.text) + train.flatMap { world.candidates[$0] })
            var student = try TransformerPolicy(tokenizer: tokenizer, configuration: policySpec.transformer, sampling: policySpec.sampling)
            student.threads = threads
            return try await body(student)
        case .llama(let pretrained):
            var student = try LlamaPolicy(pretrained, lora: policySpec.lora, task: world.task, vocabulary: world.vocabulary, sampling: policySpec.sampling)
            student.threads = threads
            return try await body(student)
        }
    }
}
