import Stochastics

/// A merged sweep's `results.json`: for each environment and policy of the grid, its learners with their
/// resolved hyperparameters and the aggregate over seeds. Each cell's own folder (`folder`) holds the rest,
/// as `compare` writes it. Only what the seeds and the sweep file decide.
public struct SweepReport: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 1
    public var schemaVersion = Self.currentSchemaVersion
    public var sweep: String
    public var rootSeed: UInt64
    public var seeds: [UInt64]
    public var cells: [Cell]

    public struct Cell: Sendable, Codable, Equatable {
        /// `ENV/POLICY`, relative to the sweep's folder.
        public var folder: String
        public var environment: String
        public var policy: String
        public var algorithms: [String]
        public var hyperparameters: [String: [String: String]]
        /// algorithm -> split -> metric -> mean and 95% Student-t interval over seeds.
        public var aggregate: [String: [String: [String: Summary]]]

        init(folder: String, report: ComparisonReport) {
            self.folder = folder
            environment = report.environment
            policy = report.policy
            algorithms = report.algorithms
            hyperparameters = report.hyperparameters
            aggregate = report.aggregate
        }
    }
}
