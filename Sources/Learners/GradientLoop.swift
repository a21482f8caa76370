import HumorGym
import Stochastics

/// A learner's loss on one minibatch, as a function of the batch's sequence log-probabilities: the value,
/// dL/d log pi for each log-probability, and the metrics to log.
public struct BatchLoss: Sendable {
    public var value: Double
    public var gradient: [Double]
    public var metrics: [String: Double]

    public init(value: Double, gradient: [Double], metrics: [String: Double] = [:]) {
        self.value = value
        self.gradient = gradient
        self.metrics = metrics
    }
}

/// The optimisation loop every learner shares: each epoch shuffles the items with the learner's stream,
/// and each minibatch computes log-probabilities, the learner's loss, pulls dL/d log pi back through the
/// policy, and takes an Adam step. A non-finite loss or gradient stops training with an error naming the step.
///
/// Boundaries: the end of each epoch (``run``) or of each round (``rounds``). At each one the loop hands
/// its ``LoopState`` to the context's `checkpoint`; given that state as `resume`, a new loop restores the
/// policy, the optimiser and the step, skips the finished epochs or rounds, and continues exactly.
struct GradientLoop<P: TrainablePolicy> {
    let algorithm: String
    let context: TrainingContext
    var optimizer: Adam<P.Scalar>
    var step = 0
    var unitsCompleted = 0
    var stopped = false
    /// Keys each step's training pass (dropout masks) independently of any generator's state.
    private let noiseSeed: UInt64

    init(algorithm: String, context: TrainingContext) {
        self.algorithm = algorithm
        self.context = context
        self.optimizer = Adam(learningRate: context.optimizer.learningRate, clipNorm: context.optimizer.clipNorm)
        optimizer.weightDecay = context.optimizer.weightDecay
        optimizer.schedule = context.optimizer.schedule
        noiseSeed = context.seeds.seed(for: "training-noise")
    }

    /// Runs `epochs` passes over `items`. `examples(item)` lists the (prompt, response) pairs whose
    /// log-probabilities the loss needs; `loss` receives the items of a batch and those log-probabilities,
    /// flattened in item order. `extra` values are logged with every step.
    mutating func run<Item>(
        _ policy: inout P, items: [Item], epochs: Int, stream: RandomStream,
        examples: (Item) -> [Example], loss: ([Item], [Double]) -> BatchLoss
    ) throws -> [StepMetrics] {
        try resume(&policy)
        var log: [StepMetrics] = []
        for epoch in unitsCompleted..<max(unitsCompleted, epochs) where !stopped {
            log += try fit(&policy, items: items, epoch: epoch, stream: stream, extra: [:], examples: examples, loss: loss)
            try boundary(policy)
        }
        return log
    }

    /// Rounds of collect-then-fit, the shape of every learner that learns from its own samples: each round of
    /// the `schedule` gathers experience from the current policy (`collect`, which also returns values to
    /// log), then fits the round's epochs over it. Every step's record carries the round, the epoch counted
    /// over all rounds, and that round's values.
    mutating func rounds<Item>(
        _ schedule: FeedbackSchedule, _ policy: inout P, stream: RandomStream,
        collect: (P) async throws -> (items: [Item], values: [String: Double]),
        examples: (Item) -> [Example], loss: ([Item], [Double]) -> BatchLoss
    ) async throws -> [StepMetrics] {
        try resume(&policy)
        var log: [StepMetrics] = []
        for round in unitsCompleted..<max(unitsCompleted, schedule.rounds) where !stopped {
            var (items, values) = try await FeedbackRound.$current.withValue(round + 1) { try await collect(policy) }
            values["round"] = Double(round + 1)
            for epoch in 0..<schedule.epochs(inRound: round) where !stopped {
                log += try fit(&policy, items: items, epoch: round * schedule.feedbackEvery + epoch, stream: stream, extra: values,
                               examples: examples, loss: loss)
            }
            try boundary(policy)
        }
        return log
    }

    /// One shuffled pass over `items`.
    private mutating func fit<Item>(
        _ policy: inout P, items: [Item], epoch: Int, stream: RandomStream, extra: [String: Double],
        examples: (Item) -> [Example], loss: ([Item], [Double]) -> BatchLoss
    ) throws -> [StepMetrics] {
        var log: [StepMetrics] = []
        guard !items.isEmpty else { return log }
        let batchSize = context.optimizer.batchSize
        let order = stream.permutation(items.count)
        for start in stride(from: 0, to: items.count, by: batchSize) where !stopped {
            let batch = order[start..<min(start + batchSize, items.count)].map { items[$0] }
            let noise = SeedSequence.splitMix(noiseSeed ^ UInt64(step))
            let (logProbs, pullback) = policy.trainingLogProbabilitiesWithPullback(batch.flatMap(examples), noise: noise)
            let l = loss(batch, logProbs)
            guard l.value.isFinite, l.gradient.allSatisfy(\.isFinite) else {
                throw HumorGymError("\(algorithm): the loss became non-finite (\(l.value)) at step \(step + 1), epoch \(epoch + 1); lower the learning rate or check the inputs")
            }
            let gradient = pullback(l.gradient)
            let norm = Adam<P.Scalar>.norm(gradient)
            guard norm.isFinite else {
                throw HumorGymError("\(algorithm): a non-finite parameter gradient at step \(step + 1), epoch \(epoch + 1)")
            }
            optimizer.step(&policy.parameters, gradient: gradient, norm: norm)
            step += 1
            var values = l.metrics.merging(extra) { _, new in new }
            values["loss"] = l.value
            values["grad_norm"] = norm
            values["learning_rate"] = optimizer.lastLearningRate
            values["epoch"] = Double(epoch + 1)
            let record = StepMetrics(algorithm: algorithm, step: step, values: values)
            log.append(record)
            if !context.progress(record) { stopped = true }
        }
        return log
    }

    /// A finished epoch or round: saved, unless training was stopped part-way through it.
    private mutating func boundary(_ policy: P) throws {
        guard !stopped else { return }
        unitsCompleted += 1
        guard let checkpoint = context.checkpoint else { return }
        let moments = optimizer.moments
        try checkpoint(LoopState(
            algorithm: algorithm, unitsCompleted: unitsCompleted, step: step, parameters: policy.parameters.map(Double.init),
            firstMoment: moments.first.map(Double.init), secondMoment: moments.second.map(Double.init),
            streams: context.streams.states()))
    }

    /// Takes up the context's saved state, once, if there is one.
    private mutating func resume(_ policy: inout P) throws {
        guard let state = context.resume, step == 0, unitsCompleted == 0 else { return }
        guard state.algorithm == algorithm else {
            throw HumorGymError("cannot resume \(algorithm) from a state saved by \(state.algorithm)")
        }
        let count = policy.parameters.count
        guard state.parameters.count == count, [0, count].contains(state.firstMoment.count),
              state.secondMoment.count == state.firstMoment.count else {
            throw HumorGymError("cannot resume \(algorithm): the saved state holds \(state.parameters.count) parameters, the policy has \(count)")
        }
        policy.parameters = state.parameters.map(P.Scalar.init)
        optimizer.restore(first: state.firstMoment.map(P.Scalar.init), second: state.secondMoment.map(P.Scalar.init), stepCount: state.step)
        step = state.step
        unitsCompleted = state.unitsCompleted
    }
}
