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
        // What learners step: every training prompt in order, and episodes of random prompts.
        try await checkEnvironment({ HumorVectorEnvironment(prompts: world.prompts(.train), critic: MockCritic(gold: world.goldJudge, seed: 3)) },
                                   act: { (world.candidates[$0][1], world.candidates[$0][2]) })
        try await checkEnvironment({ try HumorVectorEnvironment(prompts: world.prompts(.train), critic: MockCritic(gold: world.goldJudge, seed: 3), batchSize: 4) },
                                   act: { (world.candidates[$0][1], world.candidates[$0][2]) })
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
        await #expect(throws: HumorGymError.self) { _ = try await env.step(Fixtures.tokens([1])) }
        let (first, info) = env.reset(seed: 7)
        #expect(info["prompt_id"] == Double(first.id))
        let t = try await env.step(world.candidates[first][0])
        #expect(t.terminated && !t.truncated && t.reward.isFinite)
        await #expect(throws: HumorGymError.self) { _ = try await env.step(Fixtures.tokens([1])) }  // the episode ended
        let again = try make()
        #expect(again.reset(seed: 7).observation == first)
        #expect(throws: HumorGymError.self) { try HumorEnvironment(prompts: [], critic: MockCritic(gold: world.goldJudge, seed: 1)) }
    }

    @Test func vectorEnvironmentJudgesEveryActionInOneBatchAsTheCriticWould() async throws {
        let prompts = world.prompts(.train)
        func pairs(_ prompts: [Prompt]) -> [(first: Text, second: Text)?] {
            prompts.indices.map { $0 % 3 == 0 ? nil : (first: world.candidates[prompts[$0]][1], second: world.candidates[prompts[$0]][2]) }
        }
        let env = HumorVectorEnvironment(prompts: prompts, critic: MockCritic(gold: world.goldJudge, seed: 1))
        #expect(env.reset(seed: 1) == prompts)  // in order, whatever the seed
        let responses = prompts.map { Array(world.candidates[$0].prefix(3)) }
        let rewards = try await env.step(responses)
        let direct = try await MockCritic(gold: world.goldJudge, seed: 1).score(zip(prompts, responses).flatMap { p, r in r.map { Example(prompt: p, response: $0) } })
        #expect(rewards.flatMap { $0 } == direct.map(Optional.some))
        await #expect(throws: HumorGymError.self) { _ = try await env.step(responses) }  // the episode ended
        _ = env.reset(seed: nil)
        await #expect(throws: HumorGymError("HumorVectorEnvironment: 1 actions for \(prompts.count) prompts")) { _ = try await env.duel([nil]) }
        // Prompts without a pair sit out: the critic sees only the others, in order, in both presentation orders.
        let duelling = HumorVectorEnvironment(prompts: prompts, critic: MockCritic(gold: world.goldJudge, seed: 1))
        let preferences = try await duelling.duel(pairs(duelling.reset(seed: nil)))
        let requests = zip(prompts, pairs(prompts)).compactMap { p, pair in pair.map { PairRequest(prompt: p, first: $0.first, second: $0.second) } }
        let expected = try await MockCritic(gold: world.goldJudge, seed: 1).preferenceBothOrders(requests)
        #expect(preferences.compactMap { $0 } == expected.compactMap { $0 } && preferences.indices.allSatisfy { ($0 % 3 == 0) == (preferences[$0] == nil) })
        let random = try HumorVectorEnvironment(prompts: prompts, critic: MockCritic(gold: world.goldJudge, seed: 1), batchSize: 5)
        #expect(random.reset(seed: 1).count == 5 && random.reset(seed: 1) == random.reset(seed: 1))
        #expect(throws: HumorGymError.self) { try HumorVectorEnvironment(prompts: prompts, critic: MockCritic(gold: world.goldJudge, seed: 1), batchSize: 0) }
    }
}
