/// Gymnasium's environment checker, for HumorGym's contract: the same seed gives the same episode, `step`
/// before `reset` is an error, rewards are finite, and an episode ends.
///
/// `make` must build a fresh environment (with fresh critic state) on every call; `act` chooses the action
/// for an observation deterministically. Throws a ``HumorGymError`` that names the first broken rule.
public func checkEnvironment<E: Environment>(
    _ make: () throws -> E, act: (E.Observation) -> E.Action, seed: UInt64 = 12345, episodes: Int = 5,
    maxStepsPerEpisode: Int = 1000
) async throws {
    func trace(_ env: inout E) async throws -> [(E.Observation, Double, [String: Double])] {
        var out: [(E.Observation, Double, [String: Double])] = []
        for episode in 0..<episodes {
            var (observation, info) = env.reset(seed: episode == 0 ? seed : nil)
            out.append((observation, .nan, info))
            for stepIndex in 0..<maxStepsPerEpisode {
                let t = try await env.step(act(observation))
                guard t.reward.isFinite else {
                    throw HumorGymError("checkEnvironment: step \(stepIndex) of episode \(episode) returned a non-finite reward \(t.reward)")
                }
                out.append((t.observation, t.reward, t.info))
                observation = t.observation
                if t.terminated || t.truncated { break }
                if stepIndex == maxStepsPerEpisode - 1 {
                    throw HumorGymError("checkEnvironment: episode \(episode) neither terminated nor truncated within \(maxStepsPerEpisode) steps")
                }
            }
        }
        return out
    }

    var unstarted = try make()
    var probe = try make()
    let firstObservation = probe.reset(seed: seed).observation
    if (try? await unstarted.step(act(firstObservation))) != nil {
        throw HumorGymError("checkEnvironment: step before reset succeeded; it must throw")
    }

    var a = try make(), b = try make()
    let first = try await trace(&a), second = try await trace(&b)
    for (i, (x, y)) in zip(first, second).enumerated() {
        guard x.0 == y.0 else { throw HumorGymError("checkEnvironment: record \(i): the same seed gave different observations") }
        guard x.1.isNaN && y.1.isNaN || x.1 == y.1 else {
            throw HumorGymError("checkEnvironment: record \(i): the same seed gave rewards \(x.1) and \(y.1)")
        }
        guard x.2 == y.2 else { throw HumorGymError("checkEnvironment: record \(i): the same seed gave different info") }
    }
}

/// The checker for what feedback learners step (``FeedbackEnvironment``): the same seed gives the same
/// episodes (prompts, rewards and duel preferences), a step before reset, a second step in one episode and
/// a step with the wrong number of actions are errors, and every reward or preference is finite (or nil, an
/// abstention; preferences within [0, 1]).
///
/// `make` must build a fresh environment (with fresh critic state) on every call; `act` gives two responses
/// for a prompt: both are rewarded by the pointwise step, and they meet in the duel step.
public func checkEnvironment<E: FeedbackEnvironment>(
    _ make: () throws -> E, act: (Prompt) -> (Text, Text), seed: UInt64 = 12345, episodes: Int = 3
) async throws {
    func fail(_ rule: String) -> HumorGymError { HumorGymError("checkEnvironment: \(rule)") }
    func trace(_ env: E) async throws -> [([Prompt], [[Double?]], [Double?])] {
        var out: [([Prompt], [[Double?]], [Double?])] = []
        for episode in 0..<episodes {
            let prompts = env.reset(seed: episode == 0 ? seed : nil)
            let actions = prompts.map(act)
            let rewards = try await env.step(actions.map { [$0.0, $0.1] })
            guard rewards.count == prompts.count, rewards.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0?.isFinite ?? true } }) else {
                throw fail("episode \(episode): the step did not give two finite rewards (or nil) for each of \(prompts.count) prompts")
            }
            if (try? await env.step(actions.map { [$0.0] })) != nil { throw fail("a second step in one episode succeeded; it must throw") }
            let duelPrompts = env.reset(seed: nil)
            let preferences = try await env.duel(duelPrompts.map { act($0) })
            guard preferences.count == duelPrompts.count, preferences.allSatisfy({ $0.map { (0...1).contains($0) } ?? true }) else {
                throw fail("episode \(episode): the duel did not give a preference in [0, 1] (or nil) for each of \(duelPrompts.count) prompts")
            }
            out.append((prompts + duelPrompts, rewards, preferences))
        }
        return out
    }

    let unstarted = try make()
    let stepped = (try? await unstarted.step([])) != nil, dueled = (try? await unstarted.duel([])) != nil
    if stepped || dueled { throw fail("a step before reset succeeded; it must throw") }
    let short = try make()
    if !short.reset(seed: seed).isEmpty, (try? await short.step([])) != nil {
        throw fail("a step with no actions for its prompts succeeded; it must throw")
    }
    let first = try await trace(try make()), second = try await trace(try make())
    for (i, (a, b)) in zip(first, second).enumerated() {
        guard a.0 == b.0 else { throw fail("episode \(i): the same seed gave different prompts") }
        guard a.1 == b.1 && a.2 == b.2 else { throw fail("episode \(i): the same seed gave different rewards or preferences") }
    }
}
