// docs/extending.md, "Adding a learner": a learner computes its loss from sequence log-probabilities and
// hands dL/d log pi to the shared loop, so it trains every student. This one imitates only the teacher
// outputs the critic scores best (filtered distillation).
import HumorGym
import HumorGymTesting
@testable import Learners
import Policies
import Stochastics
import Testing

/// Filtered imitation: keep each prompt's teacher output the critic scores highest, and minimise
///
///     L(theta) = -(1/B) sum_{(x, y_best) in batch} log pi_theta(y_best | x)
struct FilteredImitation: Algorithm {
    let name = "filtered-imitation"
    var epochs = 4

    init(from source: some ParameterSource) throws {
        epochs = try source.int("epochs", default: epochs, range: 0...10_000)
        try source.finish()
    }

    func train<P: TrainablePolicy>(_ policy: inout P, context: TrainingContext) async throws -> [StepMetrics] {
        // The environment's judge rewards every teacher output of its episode's prompts.
        let prompts = context.environment.reset(seed: nil)
        let teacher = Dictionary(zip(context.prompts, context.demonstrations), uniquingKeysWith: { first, _ in first })
        let outputs = prompts.map { teacher[$0] ?? [] }
        var best: [Example] = []
        for (prompt, (texts, rewards)) in zip(prompts, zip(outputs, try await context.environment.step(outputs))) {
            let scored = zip(texts, rewards).compactMap { text, reward in reward.map { (text, $0) } }
            if let top = scored.max(by: { $0.1 < $1.1 }) { best.append(Example(prompt: prompt, response: top.0)) }
        }
        var loop = GradientLoop<P>(algorithm: name, context: context)
        return try loop.run(&policy, items: best, epochs: epochs, stream: try context.stream("shuffle"), examples: { [$0] },
                            loss: { _, logProbabilities in Imitation.loss(logProbabilities: logProbabilities) })
    }
}

@Test func aNewLearnerReadsItsSettingsAndTrainsAStudent() async throws {
    #expect(throws: HumorGymError("parameters: epochs: must be in 0...10000, got -1")) { try FilteredImitation(from: ParameterDictionary(["epochs": -1])) }
    let world = try HumorGymTesting.smallWorld(trainPrompts: 10, testPrompts: 5, oodPrompts: 5, candidatesPerPrompt: 8)
    let prompts = world.prompts(.train)
    // The teacher offers the first three candidates; the critic prefers the longest, which the student must learn.
    let demonstrations = prompts.map { Array(world.candidates[$0].prefix(3)) }
    var student = TabularPolicy(candidates: world.candidates)
    let context = TrainingContext(prompts: prompts, demonstrations: demonstrations, critic: ScriptedCritic.prefersLonger,
                                  optimizer: OptimizerSettings(learningRate: 0.5, batchSize: 4), seeds: SeedSequence(root: 3))
    let log = try await FilteredImitation(from: ParameterDictionary(["epochs": 30])).train(&student, context: context)
    #expect(log.count == 30 * 3)  // 10 prompts in batches of 4, 30 epochs
    for (prompt, outputs) in zip(prompts, demonstrations) {
        let longest = outputs.max { $0.count < $1.count }!
        #expect(student.mostLikely(prompt).count == longest.count)
    }
}
