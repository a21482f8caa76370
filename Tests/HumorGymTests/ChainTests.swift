import Experiments
import Foundation
import HumorGym
@testable import Learners
import Testing

/// Chains of learners: how a policy file names them, the errors it gets, and what the trainer does with them.
@Suite struct ChainTests {
    func error(_ body: () throws -> Void) -> String {
        do { try body() } catch let e as HumorGymError { return e.message } catch { return "unexpected \(error)" }
        return "no error"
    }

    @Test func brioDPOIsBuiltIn() throws {
        let spec = PolicySpec()
        let stages = try #require(spec.chains["brio-dpo"])
        #expect(stages.map(\.learner) == ["brio", "dpo"])
        #expect(stages[0].hyperparameters["candidates"] == "teacher")
        #expect(stages[1].hyperparameters == spec.hyperparameters["dpo"])
        let chain = try spec.learner("brio-dpo")
        #expect(chain.name == "brio-dpo" && chain.stages.map(\.name) == ["brio", "dpo"])
        #expect(try #require(chain.stages[0] as? BRIO).parameters.candidates == .teacher)
        let settings = try spec.settings(of: "brio-dpo")
        #expect(settings["chain"] == "brio->dpo" && settings["1.brio.candidates"] == "teacher" && settings["2.dpo.beta"] == "0.2")
    }

    @Test func aFileSetsAStagesSettingsOverItsLearnersAndNamesNewChains() throws {
        let spec = try PolicySpec(yaml: """
            algorithms:
              dpo: {beta: 0.5}
              brio-dpo:
                dpo: {beta: 0.3}
              sd-dpo:
                chain: [sd, dpo]
            """, file: "p.yaml")
        let brioDPO = try #require(spec.chains["brio-dpo"])
        #expect(brioDPO[0].hyperparameters["candidates"] == "teacher")  // the built-in's, not restated
        #expect(brioDPO[1].hyperparameters["beta"] == "0.3")
        #expect(spec.chains["sd-dpo"]?.map(\.learner) == ["sd", "dpo"])
        #expect(spec.chains["sd-dpo"]?[1].hyperparameters["beta"] == "0.5")
        // Written on the command line: the stages with the policy's settings, under one spelling.
        let arrow = try spec.learner("imitation -> dpo")
        #expect(arrow.name == "imitation->dpo" && arrow.stages.map(\.name) == ["imitation", "dpo"])
        #expect(try #require(arrow.stages[1] as? DirectPreferenceOptimization).parameters.beta == 0.5)
        #expect(try spec.settings(of: "imitation->dpo")["2.dpo.beta"] == "0.5")
        // A single learner is a chain of one under its own name.
        #expect(try spec.learner("dpo").name == "dpo" && spec.settings(of: "dpo") == spec.hyperparameters["dpo"])
    }

    @Test func badChainsFailWithTheirFileAndLine() {
        func policy(_ yaml: String) -> String { error { _ = try PolicySpec(yaml: yaml, file: "p.yaml") } }
        #expect(policy("algorithms:\n  mine:\n    chain: [brio, ppo]\n").hasPrefix("p.yaml:3: algorithms.mine.chain: unknown learner 'ppo' in the chain; known: imitation,"))
        let notAChain = policy("algorithms:\n  mine:\n    beta: 0.1\n")
        #expect(notAChain.hasPrefix("p.yaml:3: algorithms.mine.chain: 'mine' is not a learner") && notAChain.contains("chain: [brio, dpo]"), "\(notAChain)")
        #expect(policy("algorithms:\n  mine:\n    chain: []\n").contains("'mine' is not a learner"))
        #expect(policy("algorithms:\n  mine:\n    chain: [brio, dpo]\n    sd: {epochs: 2}\n").hasPrefix("p.yaml:4: algorithms.mine.sd: unknown key"))
        #expect(policy("algorithms:\n  mine:\n    chain: [brio, dpo]\n    dpo: {loss: square}\n")
            == "p.yaml:4: algorithms.mine.dpo.loss: 'square' is not one of sigmoid, ipo, hinge, robust")
        #expect(policy("algorithms:\n  brio-dpo:\n    brio: {candidates: both}\n").hasPrefix("p.yaml:3: algorithms.brio-dpo.brio.candidates: 'both' is not one of"))
        #expect(error { _ = try PolicySpec().learner("brio->ppo") }.hasPrefix("unknown learner 'ppo' in the chain 'brio->ppo'; known: imitation,"))
        #expect(error { _ = try PolicySpec().learner("ppo") }.contains("unknown learner 'ppo'; known: imitation, rwr, dpo, sd, brio, brio-dpo"))
    }

    /// Any learner's section, and any chain stage's, may set its own learning rate: it is among the learner's
    /// settings, and training with it takes the same steps as training under a policy whose optimizer has it.
    @Test func aLearnerSectionSetsItsOwnLearningRate() async throws {
        let spec = try PolicySpec(yaml: """
            warmStart: {epochs: 0}
            optimizer: {learningRate: 0.2}
            algorithms:
              imitation: {learningRate: 0.05}
              dpo: {learningRate: 0.01}
              brio-dpo:
                brio: {learningRate: 0.02}
            """, file: "p.yaml")
        #expect(spec.hyperparameters["rwr"]?["learningRate"] == "0.2" && spec.hyperparameters["dpo"]?["learningRate"] == "0.01")
        #expect(try spec.learner("rwr").stages[0] is RewardWeightedRegression)  // the policy's rate: no wrapper
        let chain = try spec.learner("brio-dpo")
        #expect(chain.stages.map { ($0 as? OwnLearningRate)?.learningRate } == [0.02, 0.01])
        #expect(try spec.settings(of: "brio-dpo")["1.brio.learningRate"] == "0.02")
        #expect(error { _ = try PolicySpec(yaml: "algorithms:\n  dpo: {learningRate: 0}\n", file: "p.yaml") }
            .hasPrefix("p.yaml:2: algorithms.dpo.learningRate: must be in"))

        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 30; env.paraphrase.testPrompts = 5; env.paraphrase.oodPrompts = 5
        func trained(_ policy: PolicySpec) async throws -> [Double] {
            let experiment = try Experiment(environment: env, policy: policy)
            let run = try await experiment.run(seed: 3)
            func train<P: TrainablePolicy>(_ student: P) async throws -> [Double] {
                try await Trainer(experiment).train(student, learners: [experiment.policySpec.learner("imitation")], run: run)
                    .stages[0].policy.parameters.map(Double.init)
            }
            return try await experiment.withStudent { try await train($0) }
        }
        let own = try await trained(spec)
        let policyWide = try await trained(PolicySpec(yaml: "warmStart: {epochs: 0}\noptimizer: {learningRate: 0.05}\n", file: "q.yaml"))
        let atPolicyRate = try await trained(PolicySpec(yaml: "warmStart: {epochs: 0}\noptimizer: {learningRate: 0.2}\n", file: "r.yaml"))
        #expect(own == policyWide && own != atPolicyRate)
    }

    /// Each stage starts from the policy the stage before made, and DPO's reference is the start of its own
    /// stage: at its first step, before any update, every implicit reward log(pi / pi_ref) is 0. Measured from
    /// the warm start instead, imitation's stage would have moved them.
    @Test func eachStageStartsWhereTheLastEndedAndDPOsReferenceIsItsOwnStart() async throws {
        var env = EnvironmentSpec()
        env.paraphrase.trainPrompts = 40; env.paraphrase.testPrompts = 10; env.paraphrase.oodPrompts = 10
        let experiment = try Experiment(environment: env, policy: PolicySpec())
        let run = try await experiment.run(seed: 1)
        let chain = try experiment.policySpec.learner("imitation->dpo")
        func train<P: TrainablePolicy>(_ student: P) async throws -> [StepMetrics] {
            try await Trainer(experiment).train(student, learners: [chain], run: run).stages[0].log
        }
        let stage = try await experiment.withStudent { try await train($0) }
        let imitationSteps = stage.prefix { $0.algorithm == "imitation" }
        #expect(!imitationSteps.isEmpty && stage.count > imitationSteps.count)
        let firstDPO = stage[imitationSteps.count]
        #expect(firstDPO.algorithm == "dpo")
        let chosen = try #require(firstDPO.values["rewards/chosen"]), rejected = try #require(firstDPO.values["rewards/rejected"])
        #expect(abs(chosen) < 1e-9 && abs(rejected) < 1e-9, "\(firstDPO.values)")
        // Stage two's steps count on from its own start.
        #expect(firstDPO.step == 1)
    }
}
