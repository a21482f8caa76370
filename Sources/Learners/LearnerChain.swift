import HumorGym
import Stochastics

/// Learners one after another, as Small But Funny's BRIO-DPO is BRIO and then DPO: each stage starts from the
/// policy the stage before it made, with its own hyperparameters, and a stage's reference (DPO's pi_ref)
/// is the policy its own stage started from. A single learner is a chain of one stage, under its own name.
/// A policy file names chains under `algorithms:` (`chain: [brio, dpo]`); the CLI also takes `brio->dpo`.
public struct LearnerChain: Sendable {
    /// The name reports and checkpoints use: the learner's, the policy file's (`brio-dpo`), or `a->b`.
    public let name: String
    public let stages: [any Algorithm]

    /// A chain of at least one stage.
    public init(name: String, stages: [any Algorithm]) throws {
        guard !stages.isEmpty else { throw HumorGymError("the chain '\(name)' has no stages") }
        self.name = name
        self.stages = stages
    }

    /// One learner on its own.
    public init(_ learner: any Algorithm) {
        name = learner.name
        stages = [learner]
    }

    /// The seeds of stage `index`, from the chain's: a single learner keeps the chain's own, so a learner on
    /// its own is the same run under either spelling; each stage of a longer chain draws from a child of them.
    public func seeds(ofStage index: Int, chain seeds: SeedSequence) -> SeedSequence {
        stages.count == 1 ? seeds : seeds.child("stage \(index + 1): \(stages[index].name)")
    }
}
