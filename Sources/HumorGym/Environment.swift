import Stochastics

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

/// Many prompts at once (Gymnasium's vector environment with auto-reset): `step` judges a batch of
/// responses in one critic call and starts the next batch of episodes.
public final class HumorVectorEnvironment: Environment {
    public let batchSize: Int
    private let environment: HumorEnvironment
    private var current: [Prompt]?

    public init(prompts: [Prompt], critic: any Critic, batchSize: Int, seed: UInt64 = 0) throws {
        guard batchSize > 0 else { throw HumorGymError("HumorVectorEnvironment: batchSize must be positive, got \(batchSize)") }
        self.batchSize = batchSize
        self.environment = try HumorEnvironment(prompts: prompts, critic: critic, seed: seed)
    }

    public func reset(seed: UInt64? = nil) -> (observation: [Prompt], info: [String: Double]) {
        var batch = [environment.reset(seed: seed).observation]
        while batch.count < batchSize { batch.append(environment.reset(seed: nil).observation) }
        current = batch
        return (batch, ["batch_size": Double(batchSize)])
    }

    /// Rewards for the responses to the current batch, in order; the next observation is a new batch.
    public func step(_ actions: [Text]) async throws -> Transition<[Prompt]> {
        guard let prompts = current else { throw HumorGymError("HumorVectorEnvironment.step called before reset") }
        guard actions.count == prompts.count else {
            throw HumorGymError("HumorVectorEnvironment.step: \(actions.count) actions for \(prompts.count) prompts")
        }
        let rewards = try await environment.critic.score(zip(prompts, actions).map { Example(prompt: $0, response: $1) })
        let mean = rewards.reduce(0, +) / Double(rewards.count)
        let next = reset(seed: nil).observation
        return Transition(observation: next, reward: mean, terminated: true, truncated: false,
                          info: Dictionary(uniqueKeysWithValues: rewards.enumerated().map { ("reward_\($0.offset)", $0.element) }))
    }
}
