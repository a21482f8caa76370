import Algorithms
import HumorGym

/// A policy file (`policies/NAME.yaml`): the student, how learners optimise it, the imitation warm start,
/// and each learner's hyperparameters. The embedded default is `init()`.
public struct PolicySpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case logLinear = "log-linear"
        case tabular
    }

    public var name = "log-linear"
    public var kind = Kind.logLinear
    /// Hashed feature dimension (log-linear only).
    public var features = 512
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
        return ["log-linear": PolicySpec(), "tabular": tabular]
    }()

    public init() {
        try! resolveAlgorithms(nil)  // defaults cannot fail
    }

    public init(yaml: String, file: String) throws {
        let root = try YAMLSection(yaml: yaml, file: file)
        name = try root.string("name", default: name, allowed: [])
        kind = Kind(rawValue: try root.string("kind", default: kind.rawValue, allowed: Kind.allCases.map(\.rawValue)))!
        features = try root.int("features", default: features, range: 8...8192)
        let o = try root.section("optimizer")
        optimizer.learningRate = try o.double("learningRate", default: optimizer.learningRate, range: 1e-12...1e3)
        optimizer.batchSize = try o.int("batchSize", default: optimizer.batchSize, range: 1...1_000_000)
        let clip = try o.double("clipNorm", default: optimizer.clipNorm ?? 0, range: 0...1e12)
        optimizer.clipNorm = clip > 0 ? clip : nil
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
        a.name == b.name && a.kind == b.kind && a.features == b.features && a.optimizer == b.optimizer
            && a.warmStartEpochs == b.warmStartEpochs && a.hyperparameters == b.hyperparameters
    }
}
