import HumorGym
import Learners
import Llama
import Transformer

/// A policy file (`policies/NAME.yaml`): the student, how learners optimise it, the imitation warm start,
/// each learner's hyperparameters, and chains of learners. Every setting is read by the component it belongs
/// to; the built-in policies are YAML too (``builtIn``), so a spec is always what some file says.
public struct PolicySpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case logLinear = "log-linear"
        case tabular
        case transformer
        /// A pretrained Llama-architecture model read from a GGUF file, trained through LoRA adapters.
        case llama

        /// Whether the student writes any token sequence (and so can learn from texts outside the world's
        /// candidate sets, such as an LLM teacher's), rather than choosing among candidates.
        public var isGenerative: Bool { self == .transformer || self == .llama }
    }

    public var name = "log-linear"
    public var kind = Kind.logLinear
    /// Hashed feature dimension (log-linear only).
    public var features = 512
    /// The network's shape (transformer only); its vocabulary comes from the world.
    public var transformer = TransformerConfiguration(vocabularySize: 1)
    /// The transformer's tokens (transformer only): the world's words, or subword pieces learned from the
    /// training split (`model:` section's `tokenizer`, `merges` and `mergeDropout`).
    public var tokenizer = Tokenizer.Kind.word
    /// The pretrained model's GGUF file (llama only, `model:` section's `file`; required there).
    public var pretrainedFile = ""
    /// The adapters trained on the pretrained model (llama only, `lora:` section).
    public var lora = LoRAConfiguration()
    /// How a generative student draws responses (transformer and llama).
    public var sampling = TransformerPolicy.Sampling()
    public var optimizer = OptimizerSettings(learningRate: 0.05, batchSize: 64, clipNorm: 10)
    /// Epochs of imitation that make the shared warm start.
    public var warmStartEpochs = 4
    /// Every registered learner's hyperparameters as resolved (defaults included), by learner name: what
    /// ``algorithm(_:)`` builds the learner from.
    public private(set) var hyperparameters: [String: [String: String]] = [:]
    /// Every chain of learners the policy names (the built-in ones included), by name: its stages with
    /// their resolved hyperparameters.
    public private(set) var chains: [String: [ChainStage]] = [:]
    /// Learners under names of their own with settings that differ from the policy's (a sweep's grid
    /// points, ``addingVariant(_:of:settings:)``): one stage each, with its resolved hyperparameters.
    public private(set) var variants: [String: ChainStage] = [:]

    /// A stage of a chain: a registered learner and the hyperparameters it runs with in that chain.
    public struct ChainStage: Sendable, Equatable {
        public var learner: String
        public var hyperparameters: [String: String]
    }

    /// The chains every policy has unless its file says otherwise: the paper's BRIO-DPO, read as BRIO on the
    /// critic's ranking of the teacher's outputs (supervision), then DPO on the student's own judged pairs
    /// (feedback) from BRIO's result.
    static let builtInChainsYAML = """
        brio-dpo:
          chain: [brio, dpo]
          brio: {candidates: teacher}
        """

    /// The built-in policies, as YAML: what `--policy NAME` finds when no `policies/NAME.yaml` exists. Each
    /// states only where it differs from the defaults; the shipped files list every key (a test reads both).
    static let builtInYAML: KeyValuePairs<String, String> = [
        // A candidate-set student's log-probability is one choice, not a sum over tokens: BRIO compares whole
        // sequences (see its doc comment).
        "log-linear": """
            algorithms:
              brio: {lengthPenalty: 0}
            """,
        "tabular": """
            name: tabular
            kind: tabular
            optimizer: {learningRate: 0.2}
            algorithms:
              brio: {lengthPenalty: 0}
            """,
        // The paper's protocol for a generative student: every learner starts from a converged FT (12 epochs),
        // samples come from the nucleus (the tail of a small model's distribution is where subjects get swapped),
        // and DPO steps at a tenth of imitation's rate (at 1e-3 it trades the input's meaning for the critic's
        // taste: consistency 0.74 -> 0.28). BRIO ranks all its distinct samples, judged afresh every one of 10 epochs
        // (Table 4's most frequent feedback: judged once or twice, its interval does not clear FT's), with a ranking
        // weight of 3 (a round robin gives it many pairs a prompt); BRIO-DPO's first stage, on the teacher's three
        // outputs ranked once over 4 epochs, keeps 10. The guide has the measurements.
        "transformer-tiny": """
            name: transformer-tiny
            kind: transformer
            sampling: {topP: 0.9}
            optimizer: {learningRate: 0.001, batchSize: 32, clipNorm: 1, weightDecay: 0.01, warmupSteps: 20}
            warmStart: {epochs: 12}
            algorithms:
              dpo: {learningRate: 1.0e-4, beta: 0.5, epochs: 9, feedbackEvery: 3}
              brio: {candidates: student-round-robin, rankingWeight: 3, epochs: 10, feedbackEvery: 1}
              brio-dpo:
                chain: [brio, dpo]
                brio: {candidates: teacher, rankingWeight: 10, epochs: 4, feedbackEvery: 4}
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
        self = Self.builtIn("log-linear")!
    }

    public init(yaml: String, file: String) throws {
        let root = try YAMLSection(yaml: yaml, file: file)
        name = try root.string("name", default: name, allowed: [])
        kind = try root.choice("kind", default: kind)
        features = try root.int("features", default: features, range: 8...8192)
        let model = try root.section("model")
        if kind == .llama {
            pretrainedFile = try model.path("file", default: pretrainedFile)
            if pretrainedFile.isEmpty { throw model.problem("file", "a llama student needs its GGUF file") }
            try model.finish()
            lora = try LoRAConfiguration(from: root.section("lora"))
        } else {
            tokenizer = try Tokenizer.Kind(from: model)
            transformer = try TransformerConfiguration(vocabularySize: 1, from: model)
        }
        // The Llama student decodes greedily: beams is 1 unless the file says otherwise (and then it refuses).
        sampling = kind == .llama ? .greedy : TransformerPolicy.Sampling()
        let samplingSection = try root.section("sampling")
        try sampling.read(samplingSection)
        if kind == .llama, let problem = LlamaPolicy.problem(sampling) { throw samplingSection.problem("beams", problem) }
        optimizer = try OptimizerSettings(from: root.section("optimizer"), defaults: optimizer)
        let w = try root.section("warmStart")
        warmStartEpochs = try w.int("epochs", default: warmStartEpochs, range: 0...10_000)
        try w.finish()
        try resolveAlgorithms(try root.subsection("algorithms"))
        try root.finish()
    }

    /// Reads every learner's and chain's section now, so that a typo in any of them fails before training
    /// starts. A key under `algorithms:` that is not a registered learner is a chain.
    private mutating func resolveAlgorithms(_ section: YAMLSection) throws {
        for name in AlgorithmRegistry.names { hyperparameters[name] = try resolve(name, try section.section(name)) }
        let builtIn = try YAMLSection(yaml: Self.builtInChainsYAML, file: "built-in chains")
        for name in builtIn.keys + section.keys where hyperparameters[name] == nil && chains[name] == nil {
            // The file's section over the built-in one (when the chain is built in).
            let source: any ParameterSource = switch (section.keys.contains(name), builtIn.keys.contains(name)) {
            case (true, true): ParameterOverlay(try section.subsection(name), over: try builtIn.subsection(name))
            case (true, false): try section.subsection(name)
            default: try builtIn.subsection(name)
            }
            chains[name] = try resolveChain(name, source)
        }
        try section.finish()
    }

    /// A chain's stages: `chain:` lists registered learners; a section named after a stage's learner holds
    /// that stage's settings, over the policy's section for the learner.
    private func resolveChain(_ name: String, _ source: any ParameterSource) throws -> [ChainStage] {
        let names = try source.strings("chain", default: [])
        guard !names.isEmpty else {
            throw source.problem("chain", "'\(name)' is not a learner (\(AlgorithmRegistry.names.joined(separator: ", "))); a chain of learners lists its stages: chain: [brio, dpo]")
        }
        var settings: [String: [String: String]] = [:]
        for learner in names where settings[learner] == nil {
            guard let base = hyperparameters[learner] else {
                throw source.problem("chain", "unknown learner '\(learner)' in the chain; known: \(AlgorithmRegistry.names.joined(separator: ", "))")
            }
            settings[learner] = try resolve(learner, ParameterOverlay(try source.section(learner), over: dictionary(base, learner)))
        }
        try source.finish()
        return names.map { ChainStage(learner: $0, hyperparameters: settings[$0] ?? [:]) }
    }

    /// The settings learner `name` runs with when it reads `source`, defaults included: a bad one fails here.
    private func resolve(_ name: String, _ source: any ParameterSource) throws -> [String: String] {
        let recording = RecordingParameterSource(source)
        _ = try make(name, recording)
        return recording.resolved
    }

    /// Learner `name` from `source`, at the policy's learning rate unless its section sets its own.
    private func make(_ name: String, _ source: any ParameterSource) throws -> any Algorithm {
        try AlgorithmRegistry.make(name, parameters: source, learningRate: optimizer.learningRate)
    }

    private func dictionary(_ resolved: [String: String], _ learner: String) -> ParameterDictionary {
        ParameterDictionary(resolved.mapValues { ParameterDictionary.Value($0) }, name: "policy \(name): algorithms.\(learner)")
    }

    /// Every name `learner(_:)` knows: the registered learners, then the chains.
    public var learnerNames: [String] { AlgorithmRegistry.names + chains.keys.sorted() }

    /// The registered learner `name`, configured by this spec.
    public func algorithm(_ name: String) throws -> any Algorithm {
        guard let resolved = hyperparameters[name] else {
            throw HumorGymError("unknown algorithm '\(name)'; known: \(AlgorithmRegistry.names.joined(separator: ", "))")
        }
        return try make(name, dictionary(resolved, name))
    }

    /// The registered learner `learner` with `settings` over this policy's, under the name `name` (its streams
    /// derive from it): what `reproduce` trains where a table varies one hyperparameter.
    public func variant(_ name: String, of learner: String, overriding settings: ParameterDictionary) throws -> LearnerChain {
        guard let resolved = hyperparameters[learner] else { throw HumorGymError("unknown learner '\(learner)'") }
        return try LearnerChain(name: name, stages: [make(learner, ParameterOverlay(settings, over: dictionary(resolved, learner)))])
    }

    /// This policy as its file says, without the variants a sweep added.
    var withoutVariants: PolicySpec {
        var spec = self
        spec.variants = [:]
        return spec
    }

    /// The settings registered learner `learner` runs with when `settings` are written over this policy's
    /// (defaults included); a bad or unknown key fails, named by `settings`.
    public func resolvedSettings(of learner: String, with settings: ParameterDictionary) throws -> [String: String] {
        guard let base = hyperparameters[learner] else {
            throw HumorGymError("\(settings.name): '\(learner)' is not a registered learner (\(AlgorithmRegistry.names.joined(separator: ", "))); only a learner's settings can vary")
        }
        return try resolve(learner, ParameterOverlay(settings, over: dictionary(base, learner)))
    }

    /// This policy with learner `learner` also known as `name`, with `settings` over the policy's own:
    /// `learner(name)` and `settings(of: name)` find it, so every command trains and reports it like any
    /// learner, on streams of its own name.
    public func addingVariant(_ name: String, of learner: String, settings: ParameterDictionary) throws -> PolicySpec {
        guard (try? self.learner(name)) == nil else { throw HumorGymError("\(settings.name): the policy already has a learner named '\(name)'") }
        var spec = self
        spec.variants[name] = ChainStage(learner: learner, hyperparameters: try resolvedSettings(of: learner, with: settings))
        return spec
    }

    /// What `--algorithms` names: a registered learner, a chain of this policy, or stages written `a->b`
    /// (each a registered learner, with this policy's settings for it).
    public func learner(_ name: String) throws -> LearnerChain {
        let parts = name.components(separatedBy: "->").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count > 1 {
            for part in parts where hyperparameters[part] == nil {
                throw HumorGymError("unknown learner '\(part)' in the chain '\(name)'; known: \(AlgorithmRegistry.names.joined(separator: ", "))")
            }
            return try LearnerChain(name: parts.joined(separator: "->"), stages: parts.map(algorithm))
        }
        if let stages = chains[name] {
            return try LearnerChain(name: name, stages: stages.map { try make($0.learner, dictionary($0.hyperparameters, $0.learner)) })
        }
        if let variant = variants[name] {
            return try LearnerChain(name: name, stages: [make(variant.learner, dictionary(variant.hyperparameters, variant.learner))])
        }
        guard hyperparameters[name] != nil else {
            throw HumorGymError("unknown learner '\(name)'; known: \(learnerNames.joined(separator: ", ")), or a chain written a->b")
        }
        return LearnerChain(try algorithm(name))
    }

    /// The resolved hyperparameters of what `learner(name)` builds, as reports list them: a learner's own
    /// keys; for a chain, `chain` and each stage's keys prefixed with its number and learner (`2.dpo.beta`).
    public func settings(of name: String) throws -> [String: String] {
        if let variant = variants[name] { return variant.hyperparameters }
        let chain = try learner(name)
        guard chain.stages.count > 1 || chains[chain.name] != nil else { return hyperparameters[chain.name] ?? [:] }
        let stages = chains[chain.name] ?? chain.stages.map { ChainStage(learner: $0.name, hyperparameters: hyperparameters[$0.name] ?? [:]) }
        var settings = ["chain": stages.map(\.learner).joined(separator: "->")]
        for (index, stage) in stages.enumerated() {
            for (key, value) in stage.hyperparameters { settings["\(index + 1).\(stage.learner).\(key)"] = value }
        }
        return settings
    }
}
