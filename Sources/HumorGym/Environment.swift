import Stochastics
import Synchronization

/// What `step` returns, as in Gymnasium: the next observation, the reward, whether the episode ended by
/// itself (`terminated`) or was cut short (`truncated`), and diagnostic info.
public struct Transition<Observation: Sendable>: Sendable {
    public var observation: Observation
    public var reward: Double
    public var terminated: Bool
    public var truncated: Bool
    public var info: [String: Double]

    public init(observation: Observation, reward: Double, terminated: Bool, truncated: Bool, info: [String: Double] = [:]) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
        self.info = info
    }
}

/// Gymnasium's contract: seeding happens only in `reset(seed:)`; `step` before `reset`, or after the
/// episode ended, is an error.
public protocol Environment {
    associatedtype Observation: Equatable & Sendable
    associatedtype Action: Sendable
    /// Starts an episode. A seed re-seeds the environment's stream; nil continues the current one.
    mutating func reset(seed: UInt64?) -> (observation: Observation, info: [String: Double])
    mutating func step(_ action: Action) async throws -> Transition<Observation>
}

/// The humor task as an environment: the observation is a prompt, the action a response, the reward the
/// critic's score. One prompt, one response is one episode. A reference type, like a Gymnasium
/// environment: it owns its generator and episode state, which copies must not share by accident.
public final class HumorEnvironment: Environment {
    public let prompts: [Prompt]
    public let critic: any Critic
    private var stream: RandomStream
    private var current: Prompt?

    /// - Parameters:
    ///   - prompts: the split episodes are drawn from (uniformly, with replacement); must not be empty.
    ///   - seed: the stream used until the first seeded reset.
    public init(prompts: [Prompt], critic: any Critic, seed: UInt64 = 0) throws {
        guard !prompts.isEmpty else { throw HumorGymError("HumorEnvironment: the prompt split is empty") }
        self.prompts = prompts
        self.critic = critic
        self.stream = SeedSequence(root: seed).stream("environment")
    }

    public func reset(seed: UInt64? = nil) -> (observation: Prompt, info: [String: Double]) {
        if let seed { stream = SeedSequence(root: seed).stream("environment") }
        let prompt = prompts[stream.integer(below: prompts.count)]
        current = prompt
        return (prompt, ["prompt_id": Double(prompt.id)])
    }

    public func step(_ action: Text) async throws -> Transition<Prompt> {
        guard let prompt = current else {
            throw HumorGymError("HumorEnvironment.step called before reset, or after the episode ended; call reset first")
        }
        current = nil
        let reward = try await critic.score(action, for: prompt)
        return Transition(observation: prompt, reward: reward, terminated: true, truncated: false,
                          info: ["prompt_id": Double(prompt.id), "response_length": Double(action.count)])
    }
}

/// The humor task as feedback learners step it: a vector environment whose sub-environments are prompts.
/// Each step, every prompt of the last reset gets the student's actions, and the judge answers: the pointwise
/// step rewards each response, the duel step judges a pair of responses in both presentation orders. The
/// episode then ends; the next reset starts the next. Any type conforming to it (one wrapping a critic of your
/// own, say) trains with every learner; ``checkEnvironment(_:act:seed:episodes:)`` checks its contract.
public protocol FeedbackEnvironment: AnyObject, Sendable {
    /// The prompts of the next episode, one per sub-environment. A seed re-seeds the environment's stream;
    /// nil continues it.
    func reset(seed: UInt64?) -> [Prompt]
    /// Any number of responses to each prompt of the last reset: the reward of each (nil: the judge gave none).
    func step(_ responses: [[Text]]) async throws -> [[Double?]]
    /// At most one pair of responses to each prompt of the last reset (nil: the prompt sits out):
    /// P(first better), averaged over both presentation orders (nil: no pair, or the judge abstained).
    func duel(_ pairs: [(first: Text, second: Text)?]) async throws -> [Double?]
}

/// The standard ``FeedbackEnvironment``: a critic judges every action of a step in one batch.
public final class HumorVectorEnvironment: FeedbackEnvironment {
    /// Which prompts an episode holds.
    public enum Order: Sendable, Equatable {
        /// Every prompt of the split, in its order: what learners step, so that their critic calls (and with
        /// them every random stream) follow the prompts, not the environment's stream.
        case inOrder
        /// `batchSize` prompts drawn uniformly, with replacement (Gymnasium's vector environment).
        case random(batchSize: Int)
    }

    public let prompts: [Prompt]
    public let critic: any Critic
    public let order: Order
    private struct State {
        var stream: RandomStream
        var current: [Prompt]?
    }
    private let state: Mutex<State>

    /// Every prompt of `prompts` in order, each episode: the environment learners step.
    public convenience init(prompts: [Prompt], critic: any Critic) {
        self.init(prompts: prompts, critic: critic, order: .inOrder, seed: 0)
    }

    /// Episodes of `batchSize` prompts drawn from `prompts`; `seed` gives the stream used until the first
    /// seeded reset.
    public convenience init(prompts: [Prompt], critic: any Critic, batchSize: Int, seed: UInt64 = 0) throws {
        guard !prompts.isEmpty else { throw HumorGymError("HumorVectorEnvironment: the prompt split is empty") }
        guard batchSize > 0 else { throw HumorGymError("HumorVectorEnvironment: batchSize must be positive, got \(batchSize)") }
        self.init(prompts: prompts, critic: critic, order: .random(batchSize: batchSize), seed: seed)
    }

    private init(prompts: [Prompt], critic: any Critic, order: Order, seed: UInt64) {
        self.prompts = prompts
        self.critic = critic
        self.order = order
        state = Mutex(State(stream: SeedSequence(root: seed).stream("environment"), current: nil))
    }

    public func reset(seed: UInt64? = nil) -> [Prompt] {
        state.withLock { state in
            if let seed { state.stream = SeedSequence(root: seed).stream("environment") }
            let episode: [Prompt]
            switch order {
            case .inOrder: episode = prompts
            case .random(let batchSize): episode = (0..<batchSize).map { _ in prompts[state.stream.integer(below: prompts.count)] }
            }
            state.current = episode
            return episode
        }
    }

    /// The prompts of the episode under way, which a step ends.
    private func episode(_ actions: Int) throws -> [Prompt] {
        try state.withLock { state in
            guard let current = state.current else {
                throw HumorGymError("HumorVectorEnvironment: step called before reset, or after the episode ended; call reset first")
            }
            guard actions == current.count else {
                throw HumorGymError("HumorVectorEnvironment: \(actions) actions for \(current.count) prompts")
            }
            state.current = nil
            return current
        }
    }

    public func step(_ responses: [[Text]]) async throws -> [[Double?]] {
        let prompts = try episode(responses.count)
        let examples = zip(prompts, responses).flatMap { prompt, texts in texts.map { Example(prompt: prompt, response: $0) } }
        let rewards = try await critic.scoresOrAbstentions(examples)
        var next = 0
        return responses.map { texts in
            defer { next += texts.count }
            return Array(rewards[next..<next + texts.count])
        }
    }

    public func duel(_ pairs: [(first: Text, second: Text)?]) async throws -> [Double?] {
        let prompts = try episode(pairs.count)
        let requests = zip(prompts, pairs).compactMap { prompt, pair in pair.map { PairRequest(prompt: prompt, first: $0.first, second: $0.second) } }
        let preferences = try await critic.preferenceBothOrders(requests)
        var next = 0
        return pairs.map { pair in
            guard pair != nil else { return nil }
            defer { next += 1 }
            return preferences[next]
        }
    }
}
