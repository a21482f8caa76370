import Critics
import HumorGym
import Testing

@Suite struct EnvironmentTests {
    let world = Fixtures.small

    func make() throws -> HumorEnvironment {
        try HumorEnvironment(prompts: world.prompts(.train), critic: MockCritic(gold: world.goldJudge, seed: 3))
    }

    @Test func passesTheEnvironmentChecker() async throws {
        try await checkEnvironment(make, act: { world.candidates[$0][1] })
        try await checkEnvironment({ try HumorVectorEnvironment(prompts: world.prompts(.train), critic: MockCritic(gold: world.goldJudge, seed: 3), batchSize: 4) },
                                   act: { $0.map { world.candidates[$0][2] } })
    }

    @Test func theCheckerCatchesANondeterministicEnvironment() async throws {
        // A shared critic keeps drawing noise, so two "fresh" environments disagree: the checker must say so.
        let shared = MockCritic(gold: world.goldJudge, seed: 3)
        await #expect(throws: HumorGymError.self) {
            try await checkEnvironment({ try HumorEnvironment(prompts: world.prompts(.train), critic: shared) }, act: { world.candidates[$0][1] })
        }
    }

    @Test func followsTheGymnasiumContract() async throws {
        let env = try make()
        await #expect(throws: HumorGymError.self) { _ = try await env.step(Text([1])) }
        let (first, info) = env.reset(seed: 7)
        #expect(info["prompt_id"] == Double(first.id))
        let t = try await env.step(world.candidates[first][0])
        #expect(t.terminated && !t.truncated && t.reward.isFinite)
        await #expect(throws: HumorGymError.self) { _ = try await env.step(Text([1])) }  // the episode ended
        let again = try make()
        #expect(again.reset(seed: 7).observation == first)
        #expect(throws: HumorGymError.self) { try HumorEnvironment(prompts: [], critic: MockCritic(gold: world.goldJudge, seed: 1)) }
    }

    @Test func vectorEnvironmentRewardsEveryResponseAndAutoResets() async throws {
        let env = try HumorVectorEnvironment(prompts: world.prompts(.train), critic: MockCritic(gold: world.goldJudge, seed: 1), batchSize: 5)
        let prompts = env.reset(seed: 1).observation
        #expect(prompts.count == 5)
        let t = try await env.step(prompts.map { world.candidates[$0][1] })
        #expect((0..<5).allSatisfy { t.info["reward_\($0)"] != nil })
        #expect(t.observation.count == 5)
        await #expect(throws: HumorGymError.self) { _ = try await env.step([Text([1])]) }
    }
}
