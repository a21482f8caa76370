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

    @Option(help: "Save the trained student here: a safetensors file (transformer students) or a folder of PEFT LoRA adapters (llama students).")
    var checkpoint: String?

    @Option(help: "Keep the training state here (safetensors, rewritten after every epoch or round), so that an interrupted run can be resumed.")
    var state: String?

    @Flag(help: "Continue from the training state in --state: the result is the run that never stopped.")
    var resume = false

    @Option(help: "Also write a results folder here, as compare does (results, per-prompt outcomes, curves, steps, pairs, report).")
    var out: String?

    @OptionGroup var measuring: ReportOptions

    @OptionGroup var dry: DryRunOption

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
            let experiment = try specs.experiment(dryRun: dry.dryRun)
            let learner = try experiment.policySpec.learner(algorithm)
            if experiment.llms.nothingToCount { return }
            // A dry run writes nothing: no student, no training state, no results folder.
            let (checkpoint, state, out) = dry.dryRun ? (nil, nil, nil) : (checkpoint, state, out)
            if let checkpoint {
                guard try await experiment.withStudent({ type(of: $0).savesCheckpoints }) else {
                    throw HumorGymError("--checkpoint saves students with a file format (transformer and llama students); policy '\(experiment.policySpec.name)' has none")
                }
                try ResultsWriter.prepare(directory: URL(fileURLWithPath: checkpoint).deletingLastPathComponent().path)
            }
            guard !resume || state != nil else { throw HumorGymError("--resume needs --state FILE: the training state to continue from") }
            // A results folder holds the whole run (the warm start's log, every judged pair, every point of the curve); a
            // resumed process saw only its own part of it.
            guard !(resume && out != nil) else { throw HumorGymError("--out cannot be given with --resume: the resumed process did not see the run's first part; run it whole with --out") }
            if let state { try ResultsWriter.prepare(directory: URL(fileURLWithPath: state).deletingLastPathComponent().path) }
            if let out { try ResultsWriter.prepare(directory: out) }
            let clock = ContinuousClock(), began = clock.now
            let run = try await experiment.run(seed: Experiment.seeds(root: seed, count: 1)[0])
            var record = SeedRecord(experiment: experiment, run: run, curves: out == nil ? nil : try measuring.curves())
            let criticPairs = try measuring.criticPairs(experiment)
            if out != nil, criticPairs > 0 { try await record.diagnoseCritic(pairs: criticPairs) }
            try await experiment.withStudent { student in
                try await train(student, learner: learner, into: &record, checkpoint: checkpoint, checkpointing: state.map {
                    RunCheckpointing(path: $0, identity: "seed \(seed), algorithm \(learner.name), environment \(experiment.environment.name), policy \(experiment.policySpec.name)",
                                     resume: resume)
                })
            }
            if dry.dryRun { return try experiment.llms.report() }
            try printJSONLine(Final(algorithm: learner.name, seed: run.seeds.root, metrics: record.results.runs[0].metrics))
            try experiment.llms.report(directory: out, toStandardError: true)
            if let out {
                let folder = try ResultsFolder(environment: experiment.environment.name, policy: experiment.policySpec, algorithms: [learner.name], rootSeed: seed, curves: record.curves,
                                               seeds: [record.results], totalSeconds: (clock.now - began).seconds)
                try folder.write(to: out)
                FileHandle.standardError.write(Data("wrote the results folder \(out)\n".utf8))
            }
        }
    }

    /// The warm start and the learner, every step printed as it happens (not in a dry run).
    private func train<P: TrainablePolicy>(_ student: P, learner: LearnerChain, into record: inout SeedRecord, checkpoint: String?,
                                           checkpointing: RunCheckpointing?) async throws {
        let dryRun = dry.dryRun
        let result = try await record.train(student, learners: [learner], checkpointing: checkpointing) { phase, step in
            if !dryRun { try? printJSONLine(Line(phase: phase, algorithm: step.algorithm, step: step.step, values: step.values)) }
            return true
        }
        if let checkpoint { try result.stages[0].policy.save(to: checkpoint) }
    }
}
