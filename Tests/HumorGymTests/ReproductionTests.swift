@testable import Experiments
import Foundation
import HumorGym
import Stochastics
import Testing

/// `reproduce` on a small world: the tables it writes, the claims' verdicts, and cells that survive a kill.
@Suite struct ReproductionTests {
    var environment: EnvironmentSpec {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 60; env.paraphrase.testPrompts = 20; env.paraphrase.oodPrompts = 20
        return env
    }

    func folder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-reproduce-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    @Test func table2HoldsEveryStudentWithThePapersFigureBesideTheSimulatedOne() async throws {
        let reproduction = try Reproduction(environment: environment, policy: PolicySpec(), seedCount: 2, tables: [.table2])
        let out = try folder()
        let (learners, critics) = try await reproduction.run(directory: out)
        #expect(critics.isEmpty && learners.count == 2 * 5)
        let report = ReproductionReport(reproduction, learners: learners, critics: critics)
        try report.write(to: out)
        let markdown = try String(contentsOfFile: out + "/reproduce.md", encoding: .utf8)
        for student in Paper.students {
            let paper = Paper.table2[student.paper]!
            let row = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| \(student.paper) (\(student.learner)) |") })
            // The paper's evaluator and critic figures, each beside a simulated mean with its interval.
            let cells = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells[2] == String(format: "%.0f", paper.evaluator) && cells[4] == String(format: "%.0f", paper.critic), "\(row)")
            #expect(cells[3].contains("[") && cells[5].contains("[") && cells[7].contains("["), "\(row)")
        }
        // Each feedback student against FT and each against the one before it by the critic (4 + 3), and the
        // evaluator's order (4), each with its verdict.
        #expect(report.claims.count == 11)
        #expect(markdown.contains("- **") && markdown.contains("over 2 seeds"))
        // The panel: the critic's, the evaluator's and gold's WTR all measured.
        let dpo = try #require(learners.first { $0.learner == "dpo" }?.metrics["test"])
        #expect(dpo.panel?.keys.sorted() == ["critic", "gold", "gold-consistency", "gold-humor"])
    }

    /// Verdicts from made-up records: SD beats FT on every seed (shown), BRIO loses to SD on every seed
    /// (opposite), DPO against BRIO goes both ways (not decided).
    @Test func aClaimIsDecidedByThePerSeedDifference() throws {
        let reproduction = try Reproduction(environment: environment, policy: PolicySpec(), seedCount: 3, tables: [.table2])
        let critic: [String: [Double]] = ["imitation": [30, 31, 32], "sd": [40, 41, 43], "brio": [35, 36, 37], "dpo": [36, 40, 35], "brio-dpo": [50, 50, 50]]
        let learners = critic.keys.sorted().flatMap { learner in
            zip(reproduction.seeds, critic[learner]!).map { seed, wtr in
                Reproduction.LearnerRecord(data: .all, seed: seed, learner: learner, steps: 1, metrics: ["test": SplitMetrics(
                    wtr: wtr, lcWTR: wtr, gold: 0.5, kl: 0, lengthRatio: 1, panel: ["critic": wtr, "gold": wtr])], curve: nil)
            }
        }
        let claims = ReproductionReport(reproduction, learners: learners, critics: []).claims.filter { $0.text.contains("by the critic") }
        // Against FT: SD, BRIO, DPO, BRIO-DPO; then BRIO over SD, DPO over BRIO, BRIO-DPO over DPO.
        #expect(claims.map(\.verdict) == [.shown, .shown, .notDecided, .shown, .opposite, .notDecided, .shown])
        #expect(claims[0].evidence == "SD - FT = +10.3 [+8.9, +11.8] over 3 seeds", "\(claims[0].evidence)")
        #expect(ReproductionReport.format(Summary([30, 40, 50])) == "40.0 [15.2, 64.8]" && ReproductionReport.format(Summary([2])) == "2.00")
    }

    /// A killed reproduce leaves its finished cells; the rerun computes only the missing ones and writes the
    /// same bytes as a run that never stopped. A cell made under other settings is refused.
    @Test func finishedCellsAreReusedAndOtherSettingsRefused() async throws {
        let reproduction = try Reproduction(environment: environment, policy: PolicySpec(), seedCount: 2, tables: [.table1, .table4])
        let out = try folder()
        let first = try await reproduction.run(directory: out)
        let cells = try FileManager.default.contentsOfDirectory(atPath: out + "/cells").sorted()
        #expect(cells.count == 2 * 4, "\(cells)")  // critics, all, a third, two thirds: per seed
        // As if killed before the last cells finished.
        try FileManager.default.removeItem(atPath: out + "/cells/" + cells[0])
        try FileManager.default.removeItem(atPath: out + "/cells/" + cells[5])
        let lines = Recorder<String>()
        let second = try await reproduction.run(directory: out) { lines.append($0) }
        #expect(lines.values.filter { $0.hasSuffix("done before") }.count == 6)
        #expect(lines.values.filter { $0.contains(": done (") }.count == 2)
        let a = try ResultsWriter.json(ReproductionReport(reproduction, learners: first.learners, critics: first.critics))
        let b = try ResultsWriter.json(ReproductionReport(reproduction, learners: second.learners, critics: second.critics))
        #expect(a == b)

        var other = PolicySpec()
        other.warmStartEpochs = 2
        let changed = try Reproduction(environment: environment, policy: other, seedCount: 2, tables: [.table1, .table4])
        await #expect {
            _ = try await changed.run(directory: out)
        } throws: { error in
            (error as? HumorGymError)?.message.contains("was made with other settings") == true
        }
    }

    @Test func badArgumentsAreClearErrors() throws {
        #expect(throws: HumorGymError.self) { try Reproduction.tables("table2,table5") }
        #expect(try Reproduction.tables("table4, rq5") == [.table4, .rq5])
        let jokes = try EnvironmentSpec(yaml: "world: {kind: jokes}\ncritic: {kind: llm, llm: {baseURL: 'http://127.0.0.1:9/v1', model: m}}\n", file: "j.yaml")
        #expect {
            _ = try Reproduction(environment: jokes, policy: PolicySpec(), seedCount: 1)
        } throws: { error in
            (error as? HumorGymError)?.message.contains("reproduce needs the paraphrase world") == true
        }
    }
}
