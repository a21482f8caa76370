import Stochastics

/// One logged training step: a name -> value record (TRL-style: loss, rewards/chosen, margins, ...).
public struct StepMetrics: Sendable, Equatable, Codable {
    public var algorithm: String
    public var step: Int
    public var values: [String: Double]

    public init(algorithm: String, step: Int, values: [String: Double]) {
        self.algorithm = algorithm
        self.step = step
        self.values = values
    }
}

/// How learners take gradient steps on the student (set by the policy spec: it depends on the student).
public struct OptimizerSettings: Sendable, Equatable {
    public var learningRate: Double
    public var batchSize: Int
    public var clipNorm: Double?
    /// AdamW's decoupled weight decay.
    public var weightDecay: Double
    public var schedule: LearningRateSchedule

    public init(learningRate: Double, batchSize: Int, clipNorm: Double? = nil, weightDecay: Double = 0,
                schedule: LearningRateSchedule = LearningRateSchedule()) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.clipNorm = clipNorm
        self.weightDecay = weightDecay
        self.schedule = schedule
    }

    /// A policy file's `optimizer:` section; keys it does not hold keep the values of `defaults`.
    public init(from source: some ParameterSource, defaults: OptimizerSettings) throws {
        self = defaults
        learningRate = try source.double("learningRate", default: learningRate, range: 1e-12...1e3)
        batchSize = try source.int("batchSize", default: batchSize, range: 1...1_000_000)
        // 0: no clipping.
        let clip = try source.double("clipNorm", default: clipNorm ?? 0, range: 0...1e12)
        clipNorm = clip > 0 ? clip : nil
        weightDecay = try source.double("weightDecay", default: weightDecay, range: 0...10)
        schedule.warmupSteps = try source.int("warmupSteps", default: schedule.warmupSteps, range: 0...10_000_000)
        schedule.decaySteps = try source.int("decaySteps", default: schedule.decaySteps, range: 0...10_000_000)
        schedule.floor = try source.double("decayFloor", default: schedule.floor, range: 0...1)
        try source.finish()
    }
}

/// Everything a learner may use. The gold judge is deliberately absent.
public struct TrainingContext: Sendable {
    /// The training split.
    public var prompts: [Prompt]
    /// The teacher's outputs for `prompts`, in the same order.
    public var demonstrations: [[Text]]
    /// What feedback learners step to get the critic's judgement of their samples: by default every
    /// training prompt in order, judged by the training critic.
    public var environment: any FeedbackEnvironment
    public var optimizer: OptimizerSettings
    /// This learner's seeds.
    public var seeds: SeedSequence { streams.seeds }
    /// The learner's named streams (sampling, shuffling), derived from its seeds; a critic that draws
    /// noise may take its stream from here too, so that a checkpoint holds every state training depends on.
    public var streams: RandomStreams
    /// Called after every step; return false to stop training early.
    public var progress: @Sendable (StepMetrics) -> Bool
    /// Continue the learner's loop from this state (saved by `checkpoint`) instead of from the start.
    public var resume: LoopState?
    /// Called with the loop's state at every boundary (end of an epoch or round), to save it.
    public var checkpoint: (@Sendable (LoopState) throws -> Void)?

    /// - Parameter streams: the learner's streams (from `seeds`); by default fresh ones.
    public init(prompts: [Prompt], demonstrations: [[Text]], environment: any FeedbackEnvironment, optimizer: OptimizerSettings,
                seeds: SeedSequence, streams: RandomStreams? = nil, progress: @escaping @Sendable (StepMetrics) -> Bool = { _ in true }) {
        self.prompts = prompts
        self.demonstrations = demonstrations
        self.environment = environment
        self.optimizer = optimizer
        precondition(streams == nil || streams!.seeds == seeds, "TrainingContext: the streams come from other seeds")
        self.streams = streams ?? RandomStreams(seeds: seeds)
        self.progress = progress
    }

    /// A learner's context whose environment is the training prompts in order, judged by `critic`.
    public init(prompts: [Prompt], demonstrations: [[Text]], critic: any Critic, optimizer: OptimizerSettings,
                seeds: SeedSequence, streams: RandomStreams? = nil, progress: @escaping @Sendable (StepMetrics) -> Bool = { _ in true }) {
        self.init(prompts: prompts, demonstrations: demonstrations, environment: HumorVectorEnvironment(prompts: prompts, critic: critic),
                  optimizer: optimizer, seeds: seeds, streams: streams, progress: progress)
    }

    /// The learner's stream called `name`.
    public func stream(_ name: String) throws -> RandomStream { try streams.stream(name) }

    /// The demonstrations as (prompt, response) examples, in prompt order.
    public var demonstrationExamples: [Example] {
        zip(prompts, demonstrations).flatMap { prompt, outputs in outputs.map { Example(prompt: prompt, response: $0) } }
    }
}

/// Turns experience into policy updates. One learner per file, its loss in its doc comment.
public protocol Algorithm: Sendable {
    /// The name used on the command line and in reports.
    var name: String { get }
    /// Trains `policy` in place from where it stands; returns the per-step metrics.
    func train<P: TrainablePolicy>(_ policy: inout P, context: TrainingContext) async throws -> [StepMetrics]
}
