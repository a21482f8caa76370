import Critics
import HumorGym
import Stochastics
import Teachers

/// The result of `humorgym compare`: every (seed, learner) run and the aggregate over seeds.
public struct ComparisonReport: Sendable, Codable, Equatable {
    public struct RunRecord: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var algorithm: String
        public var steps: Int
        public var finalLoss: Double?
        public var metrics: [String: SplitMetrics]
        /// Its curve over training on the first test prompts (``ComparisonReport/curves``), from the warm start.
        public var curve: [CurvePoint]?
    }

    /// The version of this file's layout: a reader refuses another (``ResultsFolder/read(from:)``).
    public static let currentSchemaVersion = 2

    public var schemaVersion = Self.currentSchemaVersion

    public var environment: String
    public var policy: String
    public var rootSeed: UInt64
    public var seeds: [UInt64]
    public var algorithms: [String]
    public var hyperparameters: [String: [String: String]]
    /// How the curves over training were measured (nil: none were).
    public var curves: CurveSettings?
    public var teacher: [String: TeacherReport]
    /// What an LLM teacher's calls gave, summed over seeds (nil for other teachers).
    public var teacherCalls: LLMTeacher.Tally.Counts?
    /// The training critic against gold on the first seed's teacher pairs (``SeedRecord/diagnoseCritic()``).
    public var critic: CriticDiagnostics?
    public var runs: [RunRecord]
    /// algorithm -> split -> metric -> mean and 95% Student-t interval over seeds.
    public var aggregate: [String: [String: [String: Summary]]]
}
