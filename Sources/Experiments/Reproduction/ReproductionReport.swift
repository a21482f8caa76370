import Foundation
import HumorGym
import Stochastics

/// What `reproduce` writes: `results.json` (every record and the tables; only what the seeds and settings
/// decide, so the same run writes the same bytes), `reproduce.md` (the tables as people read them: the
/// paper's figure beside the simulation's, and a verdict per claim) and `report.html` with its figures
/// (``ReproductionHTML``).
public struct ReproductionReport: Sendable, Codable, Equatable {
    /// The version of this file's layout, as ``ComparisonReport/currentSchemaVersion``.
    public var schemaVersion = ComparisonReport.currentSchemaVersion
    public var environment: String
    public var policy: String
    public var rootSeed: UInt64
    public var seeds: [UInt64]
    public var learners: [Reproduction.LearnerRecord]
    public var critics: [Reproduction.CriticRecord]
    public var tables: ReproductionTables

    public init(_ reproduction: Reproduction, learners: [Reproduction.LearnerRecord], critics: [Reproduction.CriticRecord]) {
        environment = reproduction.experiment.environment.name
        policy = reproduction.experiment.policySpec.name
        rootSeed = reproduction.rootSeed
        seeds = reproduction.seeds
        self.learners = learners
        self.critics = critics
        tables = ReproductionTables(reproduction, learners: learners, critics: critics)
    }

    /// Every claim of every table.
    public var claims: [ReproductionTables.Claim] { tables.tables.flatMap(\.claims) }

    public func markdown() -> String {
        let verdicts = ReproductionTables.Claim.Verdict.self
        let count = { (v: ReproductionTables.Claim.Verdict) in claims.filter { $0.verdict == v }.count }
        var lines = [
            "# Small But Funny (Ravi et al., ACL 2024), reproduced in HumorGym's simulated world", "",
            "Environment `\(environment)`, policy `\(policy)`, \(seeds.count) seed\(seeds.count == 1 ? "" : "s") (root seed \(rootSeed)). "
                + "Each simulated figure is the mean over seeds with its 95% Student-t interval; the paper reports no variance. "
                + "A claim is decided by the 95% interval of its per-seed difference: **shown** when it lies on the paper's side of 0, "
                + "**opposite** when it lies on the other, **not decided** when it holds 0.", "",
            "Claims: \(count(verdicts.shown)) shown, \(count(verdicts.notDecided)) not decided, \(count(verdicts.opposite)) opposite, of \(claims.count).",
        ]
        for table in tables.tables {
            lines += ["", "## \(table.title)", ""]
            lines.append("| | " + table.columns.map { "\($0): paper | simulated" }.joined(separator: " | ") + " |")
            lines.append("|---|" + String(repeating: "--:|--:|", count: table.columns.count))
            for row in table.rows {
                lines.append("| \(row.label) | " + row.values.map { "\($0.paper.map { String(format: "%.0f", $0) } ?? "-") | \(Self.format($0.simulated))" }
                    .joined(separator: " | ") + " |")
            }
            if !table.claims.isEmpty {
                lines.append("")
                lines += table.claims.map { "- **\($0.verdict.rawValue)**: \($0.text). \($0.evidence)." }
            }
            if !table.notes.isEmpty { lines += [""] + table.notes.map { "_\($0)_" }.flatMap { [$0, ""] }.dropLast() }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "44.0 [41.8, 46.2]", "44.0" for one seed, "-" when not measured; ratios (below 10) get two decimals.
    static func format(_ summary: Summary?) -> String {
        guard let s = summary else { return "-" }
        let f = abs(s.mean) < 10 ? "%.2f" : "%.1f"
        guard let lo = s.lower, let hi = s.upper else { return String(format: f, s.mean) }
        return String(format: "\(f) [\(f), \(f)]", s.mean, lo, hi)
    }

    /// Whether `directory`'s `results.json` is a reproduction's (it holds the paper's tables), not a comparison's.
    public static func isReproduction(_ directory: String) -> Bool {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("results.json").path
        struct Probe: Decodable { var tables: ReproductionTables? }
        return FileManager.default.contents(atPath: path).flatMap { try? ResultsWriter.decoder().decode(Probe.self, from: $0) }?.tables != nil
    }

    /// Reads a reproduction's `results.json`; another version is an error naming the file.
    public static func read(from directory: String) throws -> ReproductionReport {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("results.json").path
        guard let data = FileManager.default.contents(atPath: path) else { throw HumorGymError("\(path): no such file") }
        do { return try ResultsWriter.decoder().decode(ReproductionReport.self, from: data) } catch {
            throw HumorGymError("\(path): not a reproduction's results of this HumorGym version (schema \(ComparisonReport.currentSchemaVersion)); rerun reproduce into a new folder (\(error))")
        }
    }

    /// Writes `results.json`, `reproduce.md` and the report into `directory`, each file atomically.
    public func write(to directory: String) throws {
        try ResultsWriter.prepare(directory: directory)
        try ResultsWriter.write(try ResultsWriter.json(self), named: "results.json", in: directory)
        try ResultsWriter.write(Data(markdown().utf8), named: "reproduce.md", in: directory)
        try ReproductionHTML(self).write(to: directory)
    }
}
