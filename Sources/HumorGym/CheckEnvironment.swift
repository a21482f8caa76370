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
