import Experiments
import Foundation
import HumorGym
import Stochastics
import Testing

@Suite struct ComparisonTests {
    @Test func feedbackBeatsImitationOnTheDefaultWorld() async throws {
        // The paper's central finding, in simulation: default world, log-linear student, 5 seeds.
        let experiment = try Experiment(environment: EnvironmentSpec(), policy: PolicySpec())
        let result = try await Comparison(experiment: experiment, algorithms: ["imitation", "rwr", "dpo"], seedCount: 5).run()
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
        let a = try ResultsWriter.json(try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 2, rootSeed: 3).run())
        let b = try ResultsWriter.json(try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 2, rootSeed: 3, concurrency: 1).run())
        let c = try ResultsWriter.json(try await Comparison(experiment: experiment, algorithms: ["imitation", "dpo"], seedCount: 2, rootSeed: 4).run())
        #expect(a == b)
        #expect(a != c)
    }

    @Test func resultsCarryEveryRunAndTheAggregate() async throws {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 40; env.paraphrase.testPrompts = 10; env.paraphrase.oodPrompts = 10
        let result = try await Comparison(experiment: try Experiment(environment: env, policy: PolicySpec()),
                                          algorithms: ["imitation", "rwr"], seedCount: 3).run()
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
