import Foundation
import HumorGym
import Stochastics
import Teachers

/// Everything a comparison leaves in its output folder, and what `humorgym report DIR` reads back:
///
/// - `results.json`, `results.csv`: every run and the aggregate (only what the seed and the configuration decide);
/// - `outcomes.json`: each run's WTR prompt by prompt (for sign tests);
/// - `samples.json`: what the students wrote on the first test prompts of the first seed;
/// - `runs/seed-S/LEARNER/steps.jsonl`: every step's metrics, by TRL's names (`warm-start` for the shared warm start);
/// - `runs/seed-S/LEARNER/pairs.jsonl`: the pairs the critic decided during training (for `humorgym export`);
/// - `runs/seed-S/demonstrations.jsonl`: the teacher's outputs for the training prompts (for `humorgym export`);
/// - `timings.json`: how long it took, on what machine (never compared byte for byte);
/// - `report.html` and `figures/*.csv`: the report, made from the files above.
public struct ResultsFolder: Sendable, Equatable {
    public var report: ComparisonReport
    public var prompts: PromptOutcomes
    public var samples: SampleSheet
    public var steps: [StepLog]
    public var pairs: [PairLog]
    public var demonstrations: [DemonstrationLog]
    public var timings: Timings?

    public init(report: ComparisonReport, prompts: PromptOutcomes, samples: SampleSheet, steps: [StepLog] = [], pairs: [PairLog] = [],
                demonstrations: [DemonstrationLog] = [], timings: Timings?) {
        self.report = report
        self.prompts = prompts
        self.samples = samples
        self.steps = steps
        self.pairs = pairs
        self.demonstrations = demonstrations
        self.timings = timings
    }

    /// The folder of a study: every seed's records (in seed order), with the aggregate over seeds.
    public init(environment: String, policy spec: PolicySpec, algorithms: [String], rootSeed: UInt64, curves: CurveSettings?,
                seeds: [SeedResults], totalSeconds: Double) throws {
        let runs = seeds.flatMap(\.runs)
        var aggregate: [String: [String: [String: Summary]]] = [:]
        for algorithm in algorithms {
            let mine = runs.filter { $0.algorithm == algorithm }
            for split in Split.evaluated.map(\.rawValue) {
                for field in SplitMetrics.fields {
                    let values = mine.compactMap { $0.metrics[split].flatMap(field.value) }
                    if !values.isEmpty { aggregate[algorithm, default: [:]][split, default: [:]][field.name] = Summary(values) }
                }
            }
        }
        let report = ComparisonReport(
            environment: environment, policy: spec.name, rootSeed: rootSeed, seeds: seeds.map(\.samples.seed), algorithms: algorithms,
            hyperparameters: Dictionary(uniqueKeysWithValues: try algorithms.map { ($0, try spec.settings(of: $0)) }), curves: curves,
            teacher: TeacherReport.mean(seeds.map(\.teacher)),
            teacherCalls: seeds.compactMap(\.calls).reduce(nil) { total, calls in total.map { $0 + calls } ?? calls }, critic: seeds[0].critic,
            runs: runs, aggregate: aggregate)
        self.init(report: report, prompts: PromptOutcomes(records: seeds.flatMap(\.prompts)), samples: seeds[0].samples,
                  steps: seeds.flatMap(\.steps), pairs: seeds.flatMap(\.pairs), demonstrations: seeds.map(\.demonstrations),
                  timings: Timings(runs: seeds.flatMap(\.timings), totalSeconds: totalSeconds))
    }

    /// A run's own folder, `runs/seed-S/LEARNER`: the learner's name with every byte but ASCII letters, digits,
    /// `.` and `-` percent-encoded (a chain `imitation->dpo` is `imitation-%3Edpo`), so that two learners never
    /// share a folder; the shared warm start's is `warm_start`, which no encoded name can be.
    public static func runDirectory(seed: UInt64, learner: String?) -> String {
        guard let learner else { return "runs/seed-\(seed)" }
        guard learner != StepLog.warmStart else { return "runs/seed-\(seed)/warm_start" }
        return "runs/seed-\(seed)/\(safeName(learner))"
    }

    /// `name` as a file name: every byte but ASCII letters, digits, `.` and `-` percent-encoded, so that two
    /// names never share a file and none is `warm_start`.
    public static func safeName(_ name: String) -> String {
        name.utf8.map { byte in
            let c = Character(Unicode.Scalar(byte))
            return c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-") ? String(c) : String(format: "%%%02X", byte)
        }.joined()
    }

    /// Writes every file into `directory`, creating it; each file appears whole or not at all. An earlier
    /// run's `runs/seed-*` folders and `figures/*.csv` are removed first, so that none outlives the results it
    /// belonged to (only those: `--out .` leaves everything else where it is).
    public func write(to directory: String) throws {
        try ResultsWriter.prepare(directory: directory)
        let fm = FileManager.default, root = URL(fileURLWithPath: directory)
        for (folder, owned) in [("runs", { (name: String) in name.hasPrefix("seed-") && name.dropFirst(5).allSatisfy(\.isNumber) }),
                                ("figures", { (name: String) in name.hasSuffix(".csv") })] {
            let url = root.appendingPathComponent(folder)
            for name in (try? fm.contentsOfDirectory(atPath: url.path)) ?? [] where owned(name) {
                do { try fm.removeItem(at: url.appendingPathComponent(name)) } catch {
                    throw HumorGymError("cannot replace \(url.appendingPathComponent(name).path): \(error.localizedDescription)")
                }
            }
        }
        try ResultsWriter.write(ResultsWriter.json(report), named: "results.json", in: directory)
        try ResultsWriter.write(Data(ResultsWriter.csv(report).utf8), named: "results.csv", in: directory)
        try ResultsWriter.write(ResultsWriter.json(prompts), named: "outcomes.json", in: directory)
        try ResultsWriter.write(ResultsWriter.json(samples), named: "samples.json", in: directory)
        for log in steps {
            try lines(log.steps.map(StepLine.init), named: "steps.jsonl", seed: log.seed, learner: log.learner, in: directory)
        }
        for log in pairs { try lines(log.pairs, named: "pairs.jsonl", seed: log.seed, learner: log.learner, in: directory) }
        for log in demonstrations { try lines(log.examples, named: "demonstrations.jsonl", seed: log.seed, learner: nil, in: directory) }
        let clock = ContinuousClock(), began = clock.now
        try HTMLReport(self).write(to: directory)
        if var timings {
            timings.reportSeconds = (clock.now - began).seconds
            try ResultsWriter.write(ResultsWriter.json(timings), named: "timings.json", in: directory)
        }
    }

    /// One step as TRL logs it: `step` beside the learner's own values, and the learner (a chain's stage) that took it.
    struct StepLine: Codable {
        var metrics: StepMetrics

        init(_ metrics: StepMetrics) { self.metrics = metrics }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        static let step = Key(stringValue: "step"), algorithm = Key(stringValue: "algorithm")

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(metrics.step, forKey: Self.step)
            try container.encode(metrics.algorithm, forKey: Self.algorithm)
            for (name, value) in metrics.values { try container.encode(value, forKey: Key(stringValue: name)) }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            var values: [String: Double] = [:]
            for key in container.allKeys where ![Self.step.stringValue, Self.algorithm.stringValue].contains(key.stringValue) {
                values[key.stringValue] = try container.decode(Double.self, forKey: key)
            }
            metrics = StepMetrics(algorithm: try container.decode(String.self, forKey: Self.algorithm), step: try container.decode(Int.self, forKey: Self.step),
                                  values: values)
        }
    }

    /// Writes `values` one JSON object a line (sorted keys) as the run's file `name`.
    private func lines(_ values: [some Encodable], named name: String, seed: UInt64, learner: String?, in directory: String) throws {
        let folder = URL(fileURLWithPath: directory).appendingPathComponent(Self.runDirectory(seed: seed, learner: learner)).path
        try ResultsWriter.prepare(directory: folder)
        try ResultsWriter.write(ResultsWriter.jsonLines(values), named: name, in: folder)
    }

    /// Reads a run's JSON-lines file; a bad line is an error naming the file and the line.
    static func readLines<T: Decodable>(_ type: T.Type, named name: String, seed: UInt64, learner: String?, in directory: String) throws -> [T] {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(runDirectory(seed: seed, learner: learner)).appendingPathComponent(name).path
        guard let data = FileManager.default.contents(atPath: path) else { throw HumorGymError("\(path): no such file") }
        return try data.split(separator: 0x0A).enumerated().map { index, line in
            do { return try ResultsWriter.decoder().decode(T.self, from: Data(line)) } catch {
                throw HumorGymError("\(path):\(index + 1): not a \(name) line (\(error))")
            }
        }
    }

    /// Reads a folder `write(to:)` wrote; a missing, unreadable or other-version file is an error naming it.
    public static func read(from directory: String) throws -> ResultsFolder {
        func contents(_ name: String) -> Data? { FileManager.default.contents(atPath: URL(fileURLWithPath: directory).appendingPathComponent(name).path) }
        func decode<T: Decodable>(_ type: T.Type, _ name: String, from data: Data?) throws -> T {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            guard let data else { throw HumorGymError("\(path): no such file; a results folder is what `humorgym compare --out DIR` writes") }
            do { return try ResultsWriter.decoder().decode(type, from: data) } catch {
                throw HumorGymError("\(path): not a HumorGym \(name) of this version (\(error))")
            }
        }
        let results = contents("results.json")
        struct Version: Decodable { var schemaVersion: Int? }
        let version = try decode(Version.self, "results.json", from: results).schemaVersion
        guard version == ComparisonReport.currentSchemaVersion else {
            let path = URL(fileURLWithPath: directory).appendingPathComponent("results.json").path
            throw HumorGymError(version.map { "\(path): schema version \($0); this HumorGym reads version \(ComparisonReport.currentSchemaVersion)" }
                                ?? "\(path): written by an older HumorGym (no schemaVersion); rerun the comparison to rebuild its report")
        }
        let report = try decode(ComparisonReport.self, "results.json", from: results)
        var steps: [StepLog] = [], pairs: [PairLog] = [], demonstrations: [DemonstrationLog] = []
        for seed in report.seeds {
            demonstrations.append(DemonstrationLog(seed: seed, examples: try readLines(DemonstrationLog.Example.self, named: "demonstrations.jsonl",
                                                                                       seed: seed, learner: nil, in: directory)))
            for learner in [StepLog.warmStart] + report.algorithms {
                let lines = try readLines(StepLine.self, named: "steps.jsonl", seed: seed, learner: learner, in: directory)
                steps.append(StepLog(seed: seed, learner: learner, steps: lines.map(\.metrics)))
            }
            for learner in report.algorithms {
                pairs.append(PairLog(seed: seed, learner: learner, pairs: try readLines(JudgedPair.self, named: "pairs.jsonl", seed: seed, learner: learner, in: directory)))
            }
        }
        let timings = try contents("timings.json").map { try decode(Timings.self, "timings.json", from: $0) }
        return ResultsFolder(report: report, prompts: try decode(PromptOutcomes.self, "outcomes.json", from: contents("outcomes.json")),
                             samples: try decode(SampleSheet.self, "samples.json", from: contents("samples.json")),
                             steps: steps, pairs: pairs, demonstrations: demonstrations, timings: timings)
    }
}
