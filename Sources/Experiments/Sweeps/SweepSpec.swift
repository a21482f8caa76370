import Foundation
import HumorGym
import Learners

/// A sweep file (`sweeps/NAME.yaml`): the grid a study runs, every combination of its environments,
/// policies, learners (each with a grid of hyperparameters or named variants) and seeds, and the folder its
/// units and merged results go to. See `sweeps/dpo-beta.yaml` for every key.
///
/// ```yaml
/// environments: [paraphrase]        # names (environments/NAME.yaml, else built-in) or paths
/// policies: [log-linear]
/// learners:
///   imitation:                      # the policy's own settings
///   dpo: {beta: [0.1, 0.5]}         # a grid: every combination of the lists
///   brio:
///     variants: {heavy: {rankingWeight: 3}}
/// seeds: 3
/// out: runs/sweeps/dpo-beta         # relative to the working directory
/// ```
public struct SweepSpec: Sendable {
    public var name: String
    public var file: String
    public var environments: [EnvironmentSpec]
    public var policies: [PolicySpec]
    public var learners: [LearnerGrid]
    public var seedCount: Int
    public var rootSeed: UInt64
    public var out: String
    /// Each learner's curve over training (as `compare --curve-every`), or nil for none.
    public var curves: CurveSettings?
    /// Teacher-output pairs the training critic is measured on, on the first seed (as `compare --critic-pairs`);
    /// nil: 300 for a mock critic, 0 for an LLM.
    public var criticPairs: Int?

    /// A learner as the sweep names it, with the settings of each grid point.
    public struct LearnerGrid: Sendable {
        public var learner: String
        public var points: [Point]
        /// Where the file names it, for errors.
        var location: String

        /// One grid point: a named variant's label (nil for a point of a grid), and the settings written for it.
        public struct Point: Sendable {
            public var label: String?
            public var settings: [String: String]
        }
    }

    public init(yaml: String, file: String) throws {
        let root = try YAMLSection(yaml: yaml, file: file)
        self.file = file
        name = try root.string("name", default: URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent, allowed: [])
        let environmentNames = try root.strings("environments", default: [])
        let policyNames = try root.strings("policies", default: [])
        environments = try Self.resolve(environmentNames, in: root, key: "environments", file: file, SpecResolver.environment)
        policies = try Self.resolve(policyNames, in: root, key: "policies", file: file, SpecResolver.policy)
        if environments.isEmpty { environments = [try SpecResolver.environment(nil)] }
        if policies.isEmpty { policies = [try SpecResolver.policy(nil)] }
        for (what, names) in [("environments", environments.map(\.name)), ("policies", policies.map(\.name))] {
            if let twice = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw root.problem(what, "two of them are named '\(twice)'; results are kept by name")
            }
        }
        if root.holdsMapping("learners") {
            let section = try root.subsection("learners")
            learners = try section.keys.map { try Self.grid($0, in: section) }
            try section.finish()
        } else {
            learners = try root.strings("learners", default: AlgorithmRegistry.defaults).map {
                LearnerGrid(learner: $0, points: [.init(label: nil, settings: [:])], location: root.location("learners"))
            }
        }
        guard !learners.isEmpty else { throw root.problem("learners", "names no learner") }
        seedCount = try root.int("seeds", default: 5, range: 1...10_000)
        rootSeed = UInt64(try root.int("seed", default: 0, range: 0...Int.max))
        out = try root.string("out", default: "runs/sweeps/\(name)", allowed: [])
        let every = try root.int("curveEvery", default: 1, range: 0...1_000_000)
        let prompts = try root.int("curvePrompts", default: 64, range: 1...1_000_000)
        curves = every == 0 ? nil : try CurveSettings(every: every, prompts: prompts)
        let pairs = try root.int("criticPairs", default: -1, range: -1...1_000_000)
        criticPairs = pairs < 0 ? nil : pairs
        try root.finish()
    }

    /// Reads a sweep file.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw HumorGymError("sweep file '\(path)' does not exist or cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw HumorGymError("\(path): cannot read the sweep file as UTF-8 text") }
        try self.init(yaml: text, file: path)
    }

    /// Names as the command line takes them; a path is relative to the sweep file.
    private static func resolve<T>(_ names: [String], in root: YAMLSection, key: String, file: String,
                                   _ resolve: (String?) throws -> T) throws -> [T] {
        try names.map { name in
            let isPath = name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml")
            let argument = isPath && !name.hasPrefix("/") ? URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(name).path : name
            do { return try resolve(argument) } catch let error as HumorGymError { throw root.problem(key, error.message) }
        }
    }

    /// `learner:` with nothing (the policy's settings), a grid (`key: [values]`) or `variants: {label: {key: value}}`.
    private static func grid(_ learner: String, in section: YAMLSection) throws -> LearnerGrid {
        let location = section.location(learner)
        let settings = try section.subsection(learner)
        if settings.keys.contains("variants") {
            guard settings.keys == ["variants"] else { throw settings.problem("variants", "write either a grid (key: [values]) or named variants, not both") }
            let variants = try settings.subsection("variants")
            let points = try variants.keys.map { label in
                guard !label.isEmpty, label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw variants.problem(label, "a variant's label is letters, digits, '-' and '_'")
                }
                let values = try variants.subsection(label)
                let point = LearnerGrid.Point(label: label, settings: Dictionary(uniqueKeysWithValues: try values.keys.map { key in
                    (key, try values.string(key, default: "", allowed: []))
                }))
                try values.finish()
                return point
            }
            try settings.finish()
            guard !points.isEmpty else { throw section.problem(learner, "variants names no variant") }
            return LearnerGrid(learner: learner, points: points, location: location)
        }
        var points = [LearnerGrid.Point(label: nil, settings: [:])]
        for key in settings.keys {
            let values = try settings.strings(key, default: [])
            guard !values.isEmpty else { throw settings.problem(key, "lists no value") }
            points = points.flatMap { point in
                values.map { value in
                    var next = point
                    next.settings[key] = value
                    return next
                }
            }
        }
        try settings.finish()
        return LearnerGrid(learner: learner, points: points, location: location)
    }
}
