import ArgumentParser
import Experiments
import Foundation
import HumorGym
import Learners

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one learner for one seed; print every step's metrics, then the evaluation, as JSON lines.",
        discussion: "`run --seed S --algorithm A` is the first seed of `compare --seed S`: the same numbers.")

    @OptionGroup var specs: SpecOptions

    @Option(help: "The learner: a registered one, a chain the policy names (brio-dpo), or stages written 'a->b'.")
    var algorithm = "dpo"

    @Option(help: "Root seed.")
    var seed: UInt64 = 0

    @Option(help: "Save the trained student here as safetensors (transformer students).")
    var checkpoint: String?

    @Option(help: "Keep the training state here (safetensors, rewritten after every epoch or round), so that an interrupted run can be resumed.")
    var state: String?

    @Flag(help: "Continue from the training state in --state: the result is the run that never stopped.")
    var resume = false

    struct Line: Encodable {
        var phase: String
        var algorithm: String
        var step: Int
        var values: [String: Double]
    }

    struct Final: Encodable {
        var phase = "evaluation"
        var algorithm: String
        var seed: UInt64
        var metrics: [String: SplitMetrics]
    }

    func run() async throws {
        try await reportingErrors {
            let experiment = try specs.experiment()
            let learner = try experiment.policySpec.learner(algorithm)
            if let checkpoint {
                guard try await experiment.withStudent({ type(of: $0).savesCheckpoints }) else {
                    throw HumorGymError("--checkpoint saves students with a file format (transformer-tiny); policy '\(experiment.policySpec.name)' has none")
                }
                try ResultsWriter.prepare(directory: URL(fileURLWithPath: checkpoint).deletingLastPathComponent().path)
            }
            guard !resume || state != nil else { throw HumorGymError("--resume needs --state FILE: the training state to continue from") }
            if let state { try ResultsWriter.prepare(directory: URL(fileURLWithPath: state).deletingLastPathComponent().path) }
            let run = try await experiment.run(seed: Experiment.seeds(root: seed, count: 1)[0])
            let metrics = try await experiment.withStudent { student in
                try await trainAndReport(student, learner: learner, experiment: experiment, run: run, checkpointing: state.map {
                    RunCheckpointing(path: $0, identity: "seed \(seed), algorithm \(learner.name), environment \(experiment.environment.name), policy \(experiment.policySpec.name)",
                                     resume: resume)
                })
            }
            try printJSONLine(Final(algorithm: learner.name, seed: run.seeds.root, metrics: metrics))
        }
    }

    /// The warm start and the learner, every step printed as it happens.
    private func trainAndReport<P: TrainablePolicy>(_ student: P, learner: LearnerChain, experiment: Experiment, run: Experiment.Run,
                                                    checkpointing: RunCheckpointing?) async throws -> [String: SplitMetrics] {
        let result = try await Trainer(experiment).train(student, learners: [learner], run: run, checkpointing: checkpointing) { phase, record in
            try? printJSONLine(Line(phase: phase, algorithm: record.algorithm, step: record.step, values: record.values))
            return true
        }
        if let checkpoint { try result.stages[0].policy.save(to: checkpoint) }
        return try await Evaluation(experiment).metrics(result, run: run)[0]
    }
}
