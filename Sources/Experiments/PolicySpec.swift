import Learners
import HumorGym
import Policies

/// A policy file (`policies/NAME.yaml`): the student, how learners optimise it, the imitation warm start,
/// and each learner's hyperparameters. The embedded default is `init()`.
public struct PolicySpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case logLinear = "log-linear"
        case tabular
        case transformer
    }

    public var name = "log-linear"
    public var kind = Kind.logLinear
    /// Hashed feature dimension (log-linear only).
    public var features = 512
    /// The network's shape (transformer only); its vocabulary comes from the world.
    public var transformer = TransformerConfiguration(vocabularySize: 1)
    /// How the transformer draws responses (transformer only).
    public var sampling = TransformerPolicy.Sampling()
    public var optimizer = OptimizerSettings(learningRate: 0.05, batchSize: 64, clipNorm: 10)
    /// Epochs of imitation that make the shared warm start.
    public var warmStartEpochs = 4
    /// Every registered learner's hyperparameters as resolved (defaults included), by learner name.
    public private(set) var hyperparameters: [String: [String: String]] = [:]
    /// Every registered learner, configured by this spec.
    private var learners: [String: any Algorithm] = [:]

    /// The built-in specs, by name: what `--policy NAME` finds when no `policies/NAME.yaml` exists.
    public static let builtIn: [String: PolicySpec] = {
        var tabular = PolicySpec()
        tabular.name = "tabular"
        tabular.kind = .tabular
        tabular.optimizer.learningRate = 0.2
        var transformer = PolicySpec()
        transformer.name = "transformer-tiny"
        transformer.kind = .transformer
        transformer.optimizer = OptimizerSettings(learningRate: 1e-3, batchSize: 32, clipNorm: 1, weightDecay: 0.01,
                                                  schedule: LearningRateSchedule(warmupSteps: 20))
        transformer.warmStartEpochs = 8
        // One round of static feedback, as in the paper, and a larger beta: with more rounds the generative
        // student drifts after the critic's length bias (KL 30 from the warm start, 2.5x the teacher's length).
        try! transformer.resolveAlgorithms(YAMLSection(yaml: "dpo: {beta: 0.5, rounds: 1, epochs: 3}", file: "built-in transformer-tiny"))
        return ["log-linear": PolicySpec(), "tabular": tabular, "transformer-tiny": transformer]
    }()

    public init() {
        try! resolveAlgorithms(nil)  // defaults cannot fail
    }

    public init(yaml: String, file: String) throws {
        let root = try YAMLSection(yaml: yaml, file: file)
        name = try root.string("name", default: name, allowed: [])
        kind = Kind(rawValue: try root.string("kind", default: kind.rawValue, allowed: Kind.allCases.map(\.rawValue)))!
        features = try root.int("features", default: features, range: 8...8192)
        let m = try root.section("model")
        transformer.contextLength = try m.int("context", default: transformer.contextLength, range: 4...4096)
        transformer.width = try m.int("width", default: transformer.width, range: 1...8192)
        transformer.layers = try m.int("layers", default: transformer.layers, range: 0...128)
        transformer.heads = try m.int("heads", default: transformer.heads, range: 1...256)
        transformer.mlpRatio = try m.int("mlpRatio", default: transformer.mlpRatio, range: 1...64)
        transformer.dropout = try m.double("dropout", default: transformer.dropout, range: 0...0.95)
        transformer.initializationSeed = UInt64(try m.int("seed", default: Int(transformer.initializationSeed), range: 0...Int.max))
        guard transformer.width % transformer.heads == 0 else {
            throw HumorGymError("\(file): model.width \(transformer.width) must be a multiple of model.heads \(transformer.heads)")
        }
        try m.finish()
        let s = try root.section("sampling")
        sampling.temperature = try s.double("temperature", default: sampling.temperature, range: 1e-3...100)
        sampling.topK = try s.int("topK", default: sampling.topK, range: 0...1_000_000)
        sampling.topP = try s.double("topP", default: sampling.topP, range: 1e-6...1)
        sampling.maxResponseTokens = try s.int("maxResponseTokens", default: sampling.maxResponseTokens, range: 1...4096)
        sampling.beams = try s.int("beams", default: sampling.beams, range: 1...64)
        try s.finish()
        let o = try root.section("optimizer")
        optimizer.learningRate = try o.double("learningRate", default: optimizer.learningRate, range: 1e-12...1e3)
        optimizer.batchSize = try o.int("batchSize", default: optimizer.batchSize, range: 1...1_000_000)
        let clip = try o.double("clipNorm", default: optimizer.clipNorm ?? 0, range: 0...1e12)
        optimizer.clipNorm = clip > 0 ? clip : nil
        optimizer.weightDecay = try o.double("weightDecay", default: optimizer.weightDecay, range: 0...10)
        optimizer.schedule.warmupSteps = try o.int("warmupSteps", default: optimizer.schedule.warmupSteps, range: 0...10_000_000)
        optimizer.schedule.decaySteps = try o.int("decaySteps", default: optimizer.schedule.decaySteps, range: 0...10_000_000)
        optimizer.schedule.floor = try o.double("decayFloor", default: optimizer.schedule.floor, range: 0...1)
        try o.finish()
        let w = try root.section("warmStart")
        warmStartEpochs = try w.int("epochs", default: warmStartEpochs, range: 0...10_000)
        try w.finish()
        try resolveAlgorithms(try root.section("algorithms"))
        try root.finish()
    }

    /// Reads every learner's section now, so that a typo in any of them fails before training starts.
    private mutating func resolveAlgorithms(_ section: YAMLSection?) throws {
        for name in AlgorithmRegistry.names {
            let source: any ParameterSource = try section?.section(name) ?? DefaultParameters()
            let recording = RecordingParameterSource(source)
            learners[name] = try AlgorithmRegistry.make(name, parameters: recording)
            hyperparameters[name] = recording.resolved
        }
        try section?.finish()
    }

    /// The learner `name`, configured by this spec.
    public func algorithm(_ name: String) throws -> any Algorithm {
        guard let learner = learners[name] else {
            throw HumorGymError("unknown algorithm '\(name)'; known: \(AlgorithmRegistry.names.joined(separator: ", "))")
        }
        return learner
    }

    public static func == (a: PolicySpec, b: PolicySpec) -> Bool {
        a.name == b.name && a.kind == b.kind && a.features == b.features && a.transformer == b.transformer
            && a.sampling == b.sampling && a.optimizer == b.optimizer
            && a.warmStartEpochs == b.warmStartEpochs && a.hyperparameters == b.hyperparameters
    }
}
