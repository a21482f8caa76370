import HumorGym

/// How often a feedback learner asks the critic again, as Small But Funny (Ravi et al., ACL 2024) counts it:
/// `epochs` E passes in all, with fresh samples from the current student judged every `feedbackEvery` K
/// epochs, so ceil(E / K) rounds of sample, judge, fit. The paper's E = 10 with K = 10, 5 and 1 gives 1, 2
/// and 10 feedback rounds; K >= E is static feedback (judged once, then trained offline). When K does not
/// divide E, the last round has the remaining E mod K epochs.
public struct FeedbackSchedule: Sendable, Equatable {
    /// E: passes over the judged data, over all rounds.
    public var epochs: Int
    /// K: epochs between two rounds of feedback.
    public var feedbackEvery: Int

    public init(epochs: Int, feedbackEvery: Int) {
        precondition(epochs >= 0 && feedbackEvery >= 1, "FeedbackSchedule: E >= 0 and K >= 1")
        self.epochs = epochs
        self.feedbackEvery = feedbackEvery
    }

    /// `epochs` and `feedbackEvery` from a learner's settings, `defaults` where absent.
    public init(from source: some ParameterSource, defaults: FeedbackSchedule) throws {
        self.init(epochs: try source.int("epochs", default: defaults.epochs, range: 0...10_000),
                  feedbackEvery: try source.int("feedbackEvery", default: defaults.feedbackEvery, range: 1...10_000))
    }

    /// Rounds of feedback: ceil(E / K).
    public var rounds: Int { (epochs + feedbackEvery - 1) / feedbackEvery }

    /// The epochs of round `round` (from 0): K, or what is left of E in the last round.
    public func epochs(inRound round: Int) -> Int { min(feedbackEvery, epochs - round * feedbackEvery) }
}
