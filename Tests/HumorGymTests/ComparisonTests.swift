@testable import Experiments
import Foundation
import HumorGym
import Stochastics
import Testing

@Suite struct ComparisonTests {
    @Test func feedbackBeatsImitationOnTheDefaultWorld() async throws {
        // The paper's central finding, in simulation: default world, log-linear student, 5 seeds.
        let experiment = try Experiment(environment: EnvironmentSpec(), policy: PolicySpec())
        let result = try await Comparison(experiment: experiment, algorithms: ["imitation", "rwr", "dpo"], seedCount: 5).run().report
        let wtr = { (a: String) in result.aggregate[a]!["test"]!["wtr"]! }
        for learner in ["rwr", "dpo"] {
            #expect(wtr(learner).mean > wtr("imitation").mean, "\(learner) \(wtr(learner).mean) vs imitation \(wtr("imitation").mean)")
            #expect(wtr(learner).isSeparated(from: wtr("imitation")), "\(learner): \(wtr(learner)) vs \(wtr("imitation"))")
        }
        #expect(result.runs.count == 15)
    }

    @Test func theSameSeedWritesTheSameBytes() async throws {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 60; env.paraphrase.testPrompts = 20; env.paraphrase.oodPrompts = 20
        let experiment = try Experiment(environment: env, policy: PolicySpec())
        let a = try ResultsWriter.json(try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 2, rootSeed: 3).run().report)
        let b = try ResultsWriter.json(try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 2, rootSeed: 3, concurrency: 1).run().report)
        let c = try ResultsWriter.json(try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 2, rootSeed: 4).run().report)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func resultsCarryEveryRunAndTheAggregate() async throws {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 40; env.paraphrase.testPrompts = 10; env.paraphrase.oodPrompts = 10
        let result = try await Comparison(experiment: try Experiment(environment: env, policy: PolicySpec()),
                                          algorithms: ["imitation", "rwr"], seedCount: 3).run().report
        #expect(result.runs.map(\.algorithm) == ["imitation", "rwr", "imitation", "rwr", "imitation", "rwr"])
        let values = result.runs.filter { $0.algorithm == "rwr" }.map { $0.metrics["ood"]!.gold! }
        #expect(result.aggregate["rwr"]!["ood"]!["gold"] == Summary(values))
        let csv = ResultsWriter.csv(result).split(separator: "\n")
        #expect(csv.first == "kind,seed,algorithm,split,metric,value")
        let metrics = SplitMetrics.fields.count - 1  // the gold judge never abstains: no abstention rows
        #expect(csv.count == 1 + 6 * 2 * metrics + 2 * 2 * metrics * 3)
        #expect(result.hyperparameters["rwr"]?["beta"] == "2.0")
        let decoded = try JSONDecoder().decode(ComparisonReport.self, from: ResultsWriter.json(result))
        #expect(decoded == result)
    }
}

@Suite struct ResultsFolderTests {
    static func smallExperiment() throws -> Experiment {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 40; env.paraphrase.testPrompts = 12; env.paraphrase.oodPrompts = 10
        return try Experiment(environment: env, policy: PolicySpec())
    }

    /// Curves are measured on streams of their own: with them or without, training ends the same.
    @Test func curvesChangeNoTrainingResult() async throws {
        let experiment = try Self.smallExperiment()
        let plain = try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 2).run()
        let curved = try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 2,
                                          curves: try CurveSettings(every: 1, prompts: 6)).run()
        var stripped = curved.report
        stripped.curves = nil
        for i in stripped.runs.indices { stripped.runs[i].curve = nil }
        #expect(try ResultsWriter.json(stripped) == ResultsWriter.json(plain.report))
        #expect(curved.prompts == plain.prompts && curved.samples == plain.samples)
        // From the warm start (step 0, KL 0) to the last step, at every boundary.
        let dpo = try #require(curved.report.runs.first { $0.algorithm == "dpo" }?.curve)
        #expect(dpo.first?.step == 0 && dpo.first?.metrics.kl == 0)
        #expect(dpo.last?.step == curved.report.runs.first { $0.algorithm == "dpo" }?.steps)
        #expect(dpo.count >= 3 && zip(dpo, dpo.dropFirst()).allSatisfy { $0.step < $1.step })
        // Every other boundary, and always the last: a subset of the same points, measured the same.
        let thinned = try await Comparison(experiment: experiment, algorithms: ["dpo"], seedCount: 2, curves: try CurveSettings(every: 2, prompts: 6)).run()
        let half = try #require(thinned.report.runs.first?.curve)
        #expect(half.allSatisfy { point in dpo.contains(point) } && half.count < dpo.count && half.last == dpo.last)
    }

    /// Learner names become folder names that no two learners share, whatever they hold.
    @Test func runFoldersAreDistinctForEveryLearnerName() {
        #expect(ResultsFolder.runDirectory(seed: 7, learner: "imitation->dpo") == "runs/seed-7/imitation-%3Edpo")
        #expect(ResultsFolder.runDirectory(seed: 7, learner: "brio/every-2") == "runs/seed-7/brio%2Fevery-2")
        #expect(ResultsFolder.runDirectory(seed: 7, learner: StepLog.warmStart) == "runs/seed-7/warm_start")
        #expect(ResultsFolder.runDirectory(seed: 7, learner: nil) == "runs/seed-7")
        let names = ["a->b", "a+b", "a-%3Eb", "a_b", "a/b", "a:b", "warm_start", "é"]
        #expect(Set(names.map { ResultsFolder.runDirectory(seed: 1, learner: $0) }).count == names.count)
    }

    /// Each prompt's WTR averages to the run's WTR (every prompt has as many judgements), and the folder
    /// reads back as it was written.
    @Test func perPromptOutcomesAddUpAndTheFolderReadsBack() async throws {
        let folder = try await Comparison(experiment: try Self.smallExperiment(), algorithms: ["imitation", "rwr"], seedCount: 2).run()
        for run in folder.report.runs {
            for split in ["test", "ood"] {
                let prompts = try #require(folder.prompts.wtr(seed: run.seed, algorithm: run.algorithm, split: split)).compactMap { $0 }
                #expect(abs(prompts.reduce(0, +) / Double(prompts.count) - run.metrics[split]!.wtr) < 1e-9)
            }
        }
        #expect(folder.samples.entries.count == SampleSheet.prompts)
        #expect(folder.samples.entries.allSatisfy { $0.learners.map(\.name) == ["imitation", "rwr"] && $0.teacher.allSatisfy { $0.gold != nil } })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-folder-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try folder.write(to: directory)
        // Everything reads back as it was; the timings gain the time the report took to write.
        var read = try ResultsFolder.read(from: directory), written = folder
        #expect(read.timings?.reportSeconds != nil && read.timings?.runs == folder.timings?.runs)
        (read.timings, written.timings) = (nil, nil)
        #expect(read == written)
        // results.json of another layout is refused with its path, not misread.
        let path = directory + "/results.json"
        let older = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        try JSONSerialization.data(withJSONObject: older.filter { $0.key != "schemaVersion" }).write(to: URL(fileURLWithPath: path))
        #expect(throws: HumorGymError.self) { try ResultsFolder.read(from: directory) }
        do { _ = try ResultsFolder.read(from: directory) } catch let error as HumorGymError {
            #expect(error.message.contains("results.json: written by an older HumorGym"))
        }
        try FileManager.default.removeItem(atPath: directory + "/outcomes.json")
        do { _ = try ResultsFolder.read(from: directory + "/nowhere") } catch let error as HumorGymError {
            #expect(error.message.contains("nowhere/results.json: no such file"))
        }
    }
}

@Suite struct PairedComparisonTests {
    /// A folder written by hand: learners a and b over 3 seeds, 4 test prompts each.
    static func folder(a: [Double], b: [Double], promptsA: [[Double?]], promptsB: [[Double?]], curves: [String: [[(Int, Double, Double)]]] = [:])
        -> ResultsFolder {
        let seeds: [UInt64] = [10, 20, 30]
        func metrics(_ wtr: Double) -> [String: SplitMetrics] {
            ["test": SplitMetrics(wtr: wtr, lcWTR: wtr, kl: 0, lengthRatio: 1)]
        }
        var runs: [ComparisonReport.RunRecord] = [], prompts: [PromptOutcomes.Record] = []
        for (i, seed) in seeds.enumerated() {
            for (name, wtr, outcomes) in [("a", a, promptsA), ("b", b, promptsB)] {
                let curve = curves[name]?[i].map { step, critic, gold in
                    CurvePoint(step: step, metrics: SplitMetrics(wtr: 50, lcWTR: 50, gold: gold, critic: critic, kl: 0, lengthRatio: 1))
                }
                runs.append(.init(seed: seed, algorithm: name, steps: 10, finalLoss: nil, metrics: metrics(wtr[i]), curve: curve))
                prompts.append(.init(seed: seed, algorithm: name, split: "test", wtr: outcomes[i]))
            }
        }
        let report = ComparisonReport(environment: "e", policy: "p", rootSeed: 0, seeds: seeds, algorithms: ["a", "b"], hyperparameters: [:],
                                      curves: curves.isEmpty ? nil : try! CurveSettings(), teacher: [:], runs: runs, aggregate: [:])
        return ResultsFolder(report: report, prompts: PromptOutcomes(records: prompts), samples: SampleSheet(seed: 10, entries: []), timings: nil)
    }

    @Test func differencesArePairedBySeedAndPromptsSignTested() throws {
        // b - a per seed: 2, 4, 3 -> mean 3, s = 1, half-width t_{.975,2} / sqrt 3 = 2.484: [0.52, 5.48], significant.
        let folder = Self.folder(a: [40, 50, 60], b: [42, 54, 63],
                                 promptsA: [[50, 0, 100, nil], [50, 50, 50, 50], [0, 0, 100, 100]],
                                 promptsB: [[100, 0, 100, nil], [100, 50, 0, 100], [50, 50, 100, 100]])
        let pair = try #require(PairedComparisons(folder).pairs.first)
        #expect((pair.first, pair.second, pair.split) == ("b", "a", "test"))
        #expect(pair.difference.difference.mean == 3)
        #expect(abs(pair.difference.difference.halfWidth! - 4.302653 / 3.0.squareRoot()) < 1e-5)
        #expect(pair.difference.direction == .first)
        // Over the 11 answered (seed, prompt) pairs: b better on 5, worse on 1, tied on 5.
        #expect(pair.signs == SignTest(firstBetter: 5, secondBetter: 1, ties: 5))
        let summary = ComparisonSummary.render(folder)
        #expect(summary.contains("b - a  +3.0 [+0.5, +5.5]"), "\(summary)")
        #expect(summary.contains("significant") && summary.contains("prompts 5 better, 1 worse, 5 tied, p = 0.219"), "\(summary)")
        // 2 P(X <= 1), X ~ B(6, 1/2) = 2 x 7 / 64 = 0.21875.
        #expect(abs(pair.signs!.pValue - 0.21875) < 1e-12)
        let (closest, verdict) = try #require(PairedComparisons(folder).closest(on: "test"))
        #expect(closest == pair && verdict == "separated; about 3 seeds would have sufficed")  // n = 3: 2.484 < 3
    }

    @Test func overOptimisationIsFlaggedOnlyWhenCriticRisesAndGoldFallsOnEverySeedsInterval() {
        // a: gold peaks at step 10 and falls by 0.1 +- small while the critic rises: flagged. b: both rise.
        let a = [[(0, 1.0, 0.5), (10, 2.0, 0.7), (20, 3.0, 0.60)], [(0, 1.0, 0.5), (10, 2.1, 0.72), (20, 3.1, 0.61)],
                 [(0, 1.0, 0.5), (10, 1.9, 0.69), (20, 2.8, 0.60)]]
        let b = [[(0, 1.0, 0.5), (10, 2.0, 0.6), (20, 3.0, 0.7)], [(0, 1.0, 0.5), (10, 2.0, 0.61), (20, 3.0, 0.71)],
                 [(0, 1.0, 0.5), (10, 2.0, 0.59), (20, 3.0, 0.72)]]
        let folder = Self.folder(a: [1, 2, 3], b: [1, 2, 3], promptsA: [[], [], []], promptsB: [[], [], []], curves: ["a": a, "b": b])
        let flagged = OverOptimisation.detect(folder.report)
        #expect(flagged.map(\.learner) == ["a"])
        #expect(flagged.first?.from == 10 && flagged.first?.last == 20)
        #expect(abs(flagged[0].goldFall - (0.1 + 0.11 + 0.09) / 3) < 1e-12 && abs(flagged[0].criticRise - (1 + 1 + 0.9) / 3) < 1e-12)
        #expect(ComparisonSummary.render(folder).contains("over-optimisation: a (critic +0.967, gold -0.100 from step 10 to 20)"))
        // Gold falling on one seed only (others flat) is not decided.
        let noisy = [[(0, 1.0, 0.5), (10, 2.0, 0.7), (20, 3.0, 0.5)], [(0, 1.0, 0.5), (10, 2.0, 0.7), (20, 3.0, 0.71)],
                     [(0, 1.0, 0.5), (10, 2.0, 0.7), (20, 3.0, 0.72)]]
        #expect(OverOptimisation.detect(Self.folder(a: [1, 2, 3], b: [1, 2, 3], promptsA: [[], [], []], promptsB: [[], [], []],
                                                    curves: ["a": noisy, "b": b]).report).isEmpty)
    }
}
