import ArgumentParser
import Experiments
import Foundation
import HumorGym
import Learners
import Stochastics

struct Sample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show prompts, the teacher's outputs and the student's, with gold scores (humor / consistency / fluency) where the world has them.")

    @OptionGroup var specs: SpecOptions

    @Option(help: "Split to show: train, test or ood.")
    var split = Split.test

    @Option(help: "Number of prompts.")
    var count = 3

    @Option(help: "Student samples per prompt.")
    var samples = 3

    @Option(help: "Train this learner after the warm start before sampling (default: show the warm start).")
    var algorithm: String?

    @Option(help: "Root seed.")
    var seed: UInt64 = 0

    @Flag(help: "Also show the student's samples before any training: a pretrained student's own writing.")
    var untrained = false

    func run() async throws {
        try await reportingErrors {
            guard count >= 1, samples >= 1 else { throw HumorGymError("--count and --samples must be at least 1") }
            let experiment = try specs.experiment()
            let learner = try algorithm.map { try experiment.policySpec.learner($0) }
            let run = try await experiment.run(seed: Experiment.seeds(root: seed, count: 1)[0])
            try await experiment.withStudent { student in
                try await show(student, learner: learner, experiment: experiment, run: run, split: split)
            }
        }
    }

    private func show<P: TrainablePolicy>(_ student: P, learner: LearnerChain?, experiment: Experiment, run: Experiment.Run,
                                          split: Split) async throws {
        let result = try await Trainer(experiment).train(student, learners: learner.map { [$0] } ?? [], run: run)
        let policy = result.stages.first?.policy ?? result.start
        let world = experiment.world
        func line(_ text: Text, _ prompt: Prompt) -> String {
            guard let s = experiment.gold?.judge(text, for: prompt) else { return "  " + text.string }
            return String(format: "  %.2f (h %.2f c %.2f f %.2f)  ", s.total, s.humor, s.consistency, s.fluency) + text.string
        }
        let stream = run.seeds.stream("sample-command"), before = run.seeds.stream("sample-command/untrained")
        for (prompt, outputs) in zip(world.prompts(split), run.teacherOutputs[split]).prefix(count) {
            print("prompt: \(prompt.text.string)")
            print(" teacher:")
            for output in outputs { print(line(output, prompt)) }
            if untrained {
                print(" student (untrained):")
                for response in student.sample(prompt, count: samples, using: before) { print(line(response, prompt)) }
            }
            print(" student (\(learner?.name ?? "warm start")):")
            for response in policy.sample(prompt, count: samples, using: stream) { print(line(response, prompt)) }
            print("")
        }
    }
}
