import HumorGym
import Stochastics

/// What the students actually wrote: for the first few test prompts of the first seed, the teacher's outputs
/// and each learner's samples, with their gold scores where the world has a gold judge. `samples.json` in a
/// results folder; the report shows it side by side.
public struct SampleSheet: Sendable, Codable, Equatable {
    public struct Scored: Sendable, Codable, Equatable {
        public var text: String
        public var gold: GoldScore?
    }

    public struct Entry: Sendable, Codable, Equatable {
        public var prompt: String
        public var teacher: [Scored]
        /// Each learner's samples, in the comparison's learner order.
        public var learners: [Learner]
    }

    public struct Learner: Sendable, Codable, Equatable {
        public var name: String
        public var samples: [Scored]
    }

    public var seed: UInt64
    public var entries: [Entry]

    /// Prompts and samples per learner a sheet shows.
    public static let prompts = 4
    public static let samplesPerLearner = 2

    static func scored(_ text: Text, _ prompt: Prompt, gold: (any GoldJudge)?) -> Scored {
        Scored(text: text.string, gold: gold?.judge(text, for: prompt))
    }
}

extension SampleSheet {
    /// The sheet's teacher part; learners are added as they finish.
    init(seed: UInt64, experiment: Experiment, run: Experiment.Run) {
        self.seed = seed
        entries = zip(experiment.world.prompts(.test), run.teacherOutputs.test).prefix(Self.prompts).map { prompt, outputs in
            Entry(prompt: prompt.text.string, teacher: outputs.map { Self.scored($0, prompt, gold: experiment.gold) }, learners: [])
        }
    }

    /// Adds `learner`'s samples, drawn from a stream of its own (`seeds`, the learner's: no training stream).
    mutating func add<P: Policy>(_ learner: String, policy: P, seeds: SeedSequence, experiment: Experiment) {
        let prompts = Array(experiment.world.prompts(.test).prefix(entries.count))
        let samples = policy.sample(prompts, count: Self.samplesPerLearner, using: seeds.stream("report-samples"))
        for (index, (prompt, texts)) in zip(prompts, samples).enumerated() {
            entries[index].learners.append(Learner(name: learner, samples: texts.map { Self.scored($0, prompt, gold: experiment.gold) }))
        }
    }
}
