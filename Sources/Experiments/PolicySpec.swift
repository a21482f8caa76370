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
    public var algorithms: [String: [String: String]]
    /// The sources those were read from, to build the learners.
    private var sources: [String: AlgorithmSource]

    /// The built-in specs, by name: what `--policy NAME` finds when no `policies/NAME.yaml` exists.
    public static let builtIn: [String: PolicySpec] = {
        var tabular = PolicySpec()
        tabular.name = "tabular"
        tabular.kind = .tabular
        tabular.optimizer.learningRate = 0.2
        return ["log-linear": PolicySpec(), "tabular": tabular]
    }()

    public init() {
        sources = [:]
        algorithms = [:]
        try! resolveAlgorithms(nil)  // defaults cannot fail
    }

    public init(yaml: String, file: String) throws {
        sources = [:]
        algorithms = [:]
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
            _ = try AlgorithmRegistry.make(name, parameters: recording)
            algorithms[name] = recording.resolved
            sources[name] = AlgorithmSource(values: recording.resolved)
        }
        try section?.finish()
    }

    /// The learner `name`, configured by this spec.
    public func algorithm(_ name: String) throws -> any Algorithm {
        guard let source = sources[name] else {
            throw HumorGymError("unknown algorithm '\(name)'; known: \(AlgorithmRegistry.names.joined(separator: ", "))")
        }
        return try AlgorithmRegistry.make(name, parameters: source)
    }

    public static func == (a: PolicySpec, b: PolicySpec) -> Bool {
        a.name == b.name && a.kind == b.kind && a.features == b.features && a.optimizer == b.optimizer
            && a.warmStartEpochs == b.warmStartEpochs && a.algorithms == b.algorithms
    }
}

/// Resolved hyperparameters replayed as a source: each read returns the value resolved from the file.
struct AlgorithmSource: ParameterSource, Sendable {
    let values: [String: String]
    func double(_ key: String, default value: Double, range: ClosedRange<Double>) throws -> Double { values[key].flatMap(Double.init) ?? value }
    func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int { values[key].flatMap(Int.init) ?? value }
    func bool(_ key: String, default value: Bool) throws -> Bool { values[key].flatMap(Bool.init) ?? value }
    func string(_ key: String, default value: String, allowed: [String]) throws -> String { values[key] ?? value }
    func finish() throws {}
}
