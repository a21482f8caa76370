import Synchronization

/// A pair the critic decided while a learner trained: the preferred response, the other, and the critic's
/// P(chosen is better), averaged over both orders. What TRL's preference format holds.
public struct JudgedPair: Sendable, Codable, Equatable {
    public var prompt: String
    public var chosen: String
    public var rejected: String
    public var probability: Double

    public init(prompt: String, chosen: String, rejected: String, probability: Double) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.probability = probability
    }
}

/// Any feedback environment, keeping every pair its judge decided (in the order judged), so that a run's
/// pairwise feedback can be exported. It passes every call through unchanged: recording changes no result.
public final class RecordingEnvironment: FeedbackEnvironment {
    public let base: any FeedbackEnvironment
    private struct State {
        var episode: [Prompt] = []
        var pairs: [JudgedPair] = []
    }
    private let state = Mutex(State())

    public init(_ base: any FeedbackEnvironment) { self.base = base }

    /// Every decided pair so far (an abstention, or a prompt without a pair, decides nothing).
    public var pairs: [JudgedPair] { state.withLock { $0.pairs } }

    public func reset(seed: UInt64?) -> [Prompt] {
        let episode = base.reset(seed: seed)
        state.withLock { $0.episode = episode }
        return episode
    }

    public func step(_ responses: [[Text]]) async throws -> [[Double?]] { try await base.step(responses) }

    public func duel(_ pairs: [(first: Text, second: Text)?]) async throws -> [Double?] {
        let preferences = try await base.duel(pairs)
        state.withLock { state in
            for (prompt, (pair, p)) in zip(state.episode, zip(pairs, preferences)) {
                guard let pair, let p else { continue }
                let (chosen, rejected) = p >= 0.5 ? (pair.first, pair.second) : (pair.second, pair.first)
                state.pairs.append(JudgedPair(prompt: prompt.text.string, chosen: chosen.string, rejected: rejected.string, probability: max(p, 1 - p)))
            }
        }
        return preferences
    }
}
