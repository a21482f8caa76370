import Foundation

/// How long a comparison took, and on what: `timings.json` in a results folder. Kept apart from
/// `results.json`, which holds only what the seed and the configuration decide.
public struct Timings: Sendable, Codable, Equatable {
    public struct Run: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var algorithm: String
        /// Training the learner (its chain's stages); a seed's first learner's includes the shared warm start.
        public var trainingSeconds: Double
        /// Its evaluation on every split, then its curve over training and its samples.
        public var evaluationSeconds: Double
        public var curveSeconds: Double
    }

    public var runs: [Run]
    /// The whole comparison, wall clock (training, measuring, and the samples and critic diagnostics).
    public var totalSeconds: Double
    /// Making and writing `report.html` and its figures' data, after the comparison.
    public var reportSeconds: Double?
    public var processors: Int
    public var operatingSystem: String

    init(runs: [Run], totalSeconds: Double) {
        self.runs = runs
        self.totalSeconds = totalSeconds
        processors = ProcessInfo.processInfo.activeProcessorCount
        operatingSystem = ProcessInfo.processInfo.operatingSystemVersionString
    }
}

/// A duration in seconds, for timings files.
extension Duration {
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
