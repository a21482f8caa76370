import HumorGym
import Learners
import Transformer

/// A policy file (`policies/NAME.yaml`): the student, how learners optimise it, the imitation warm start,
/// and each learner's hyperparameters. Every setting is read by the component it belongs to; the built-in
/// policies are YAML too (``builtIn``), so a spec is always what some file says.
public struct PolicySpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case logLinear = "log-linear"
        case tabular
        case transformer

        /// Whether the student writes any token sequence (and so can learn from texts outside the world's
        /// candidate sets, such as an LLM teacher's), rather than choosing among candidates.
        public var isGenerative: Bool { self == .transformer }
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
    /// Every registered learner's hyperparameters as resolved (defaults included), by learner name: what
    /// ``algorithm(_:)`` builds the learner from.
    public private(set) var hyperparameters: [String: [String: String]] = [:]

    /// The built-in policies, as YAML: what `--policy NAME` finds when no `policies/NAME.yaml` exists. Each
    /// states only where it differs from the defaults; the shipped files list every key (a test reads both).
    static let builtInYAML: KeyValuePairs<String, String> = [
        "log-linear": "",
        "tabular": """
            name: tabular
            kind: tabular
            optimizer: {learningRate: 0.2}
            """,
        // One round of static feedback, as in the paper, and a larger beta: with more rounds the generative
        // student drifts after the critic's length bias (KL 30 from the warm start, 2.5x the teacher's length).
        "transformer-tiny": """
            name: transformer-tiny
            kind: transformer
            optimizer: {learningRate: 0.001, batchSize: 32, clipNorm: 1, weightDecay: 0.01, warmupSteps: 20}
            warmStart: {epochs: 8}
            algorithms:
              dpo: {beta: 0.5, rounds: 1, epochs: 3}
            """,
    ]

    /// The built-in policy `name`, or nil.
    public static func builtIn(_ name: String) -> PolicySpec? {
        guard let yaml = builtInYAML.first(where: { $0.key == name })?.value else { return nil }
        return try! PolicySpec(yaml: yaml, file: "built-in \(name)")  // a test reads every built-in
    }

    public static var builtInNames: [String] { builtInYAML.map(\.key) }

    /// The default student: the log-linear policy.
    public init() {
        try! resolveAlgorithms(DefaultParameters())  // defaults cannot fail
    }

    public init(yaml: String, file: String) throws {
        let root = try YAMLSection(yaml: yaml, file: file)
        name = try root.string("name", default: name, allowed: [])
        kind = try root.choice("kind", default: kind)
        features = try root.int("features", default: features, range: 8...8192)
        transformer = try TransformerConfiguration(vocabularySize: 1, from: root.section("model"))
        sampling = try TransformerPolicy.Sampling(from: root.section("sampling"))
        optimizer = try OptimizerSettings(from: root.section("optimizer"), defaults: optimizer)
        let w = try root.section("warmStart")
        warmStartEpochs = try w.int("epochs", default: warmStartEpochs, range: 0...10_000)
        try w.finish()
        try resolveAlgorithms(try root.section("algorithms"))
        try root.finish()
    }

    /// Reads every learner's section now, so that a typo in any of them fails before training starts.
    private mutating func resolveAlgorithms(_ section: some ParameterSource) throws {
        for name in AlgorithmRegistry.names {
            let recording = RecordingParameterSource(try section.section(name))
            _ = try AlgorithmRegistry.make(name, parameters: recording)
            hyperparameters[name] = recording.resolved
        }
        try section.finish()
    }

    /// The learner `name`, configured by this spec.
    public func algorithm(_ name: String) throws -> any Algorithm {
        guard let resolved = hyperparameters[name] else {
            throw HumorGymError("unknown algorithm '\(name)'; known: \(AlgorithmRegistry.names.joined(separator: ", "))")
        }
        return try AlgorithmRegistry.make(name, parameters: ParameterDictionary(resolved.mapValues { ParameterDictionary.Value($0) },
                                                                                name: "policy \(self.name): algorithms.\(name)"))
    }
}
