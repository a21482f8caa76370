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
struct GradientLoop<P: TrainablePolicy> {
    let algorithm: String
    let settings: OptimizerSettings
    let progress: @Sendable (StepMetrics) -> Bool
    var optimizer: Adam<P.Scalar>
    var step = 0
    var stopped = false

    init(algorithm: String, context: TrainingContext) {
        self.algorithm = algorithm
        self.settings = context.optimizer
        self.progress = context.progress
        self.optimizer = Adam(learningRate: context.optimizer.learningRate, clipNorm: context.optimizer.clipNorm)
        optimizer.weightDecay = context.optimizer.weightDecay
        optimizer.schedule = context.optimizer.schedule
    }

    /// Runs `epochs` passes over `items`. `examples(item)` lists the (prompt, response) pairs whose
    /// log-probabilities the loss needs; `loss` receives the items of a batch and those log-probabilities,
    /// flattened in item order. `extra` values are logged with every step.
    mutating func run<Item>(
        _ policy: inout P, items: [Item], epochs: Int, stream: RandomStream,
        extra: [String: Double] = [:], examples: (Item) -> [Example], loss: ([Item], [Double]) -> BatchLoss
    ) throws -> [StepMetrics] {
        var log: [StepMetrics] = []
        guard !items.isEmpty else { return log }
        for epoch in 0..<epochs where !stopped {
            let order = stream.permutation(items.count)
            for start in stride(from: 0, to: items.count, by: settings.batchSize) where !stopped {
                let batch = order[start..<min(start + settings.batchSize, items.count)].map { items[$0] }
                let (logProbs, pullback) = policy.logProbabilitiesWithPullback(batch.flatMap(examples))
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
                values["epoch"] = Double(epoch + 1)
                let record = StepMetrics(algorithm: algorithm, step: step, values: values)
                log.append(record)
                if !progress(record) { stopped = true }
            }
        }
        return log
    }

    /// Rounds of collect-then-fit, the shape of every learner that learns from its own samples: each round
    /// gathers experience from the current policy (`collect`, which also returns values to log), then fits
    /// `epochs` passes over it. Every step's record carries the round and that round's values.
    mutating func rounds<Item>(
        _ count: Int, _ policy: inout P, epochs: Int, stream: RandomStream,
        collect: (P) async throws -> (items: [Item], values: [String: Double]),
        examples: (Item) -> [Example], loss: ([Item], [Double]) -> BatchLoss
    ) async throws -> [StepMetrics] {
        var log: [StepMetrics] = []
        for round in 0..<count where !stopped {
            var (items, values) = try await collect(policy)
            values["round"] = Double(round + 1)
            log += try run(&policy, items: items, epochs: epochs, stream: stream, extra: values, examples: examples, loss: loss)
        }
        return log
    }
}
