// How another package uses HumorGym in its own tests: depend on the `HumorGymTesting` product and put a
// seeded mock critic (or a scripted one) where your code expects a `Critic`. Nothing here reaches into
// HumorGym's internals.
import HumorGymTesting
import Testing

/// The user's own code under test: keeps the better half of some candidate jokes, as judged by a critic.
func keepBetterHalf(_ candidates: [Text], for prompt: Prompt, critic: any Critic) async throws -> [Text] {
    var wins = [Int](repeating: 0, count: candidates.count)
    for i in candidates.indices {
        for j in candidates.indices where j > i {
            if let p = try await critic.preferenceBothOrders([PairRequest(prompt: prompt, first: candidates[i], second: candidates[j])])[0] {
                if p > 0.5 { wins[i] += 1 } else if p < 0.5 { wins[j] += 1 }
            }
        }
    }
    let order = candidates.indices.sorted { wins[$0] != wins[$1] ? wins[$0] > wins[$1] : $0 < $1 }
    return order.prefix(candidates.count / 2).map { candidates[$0] }
}

@Suite struct MyPipelineTests {
    @Test func aSeededMockCriticGivesTheSameAnswerEveryRun() async throws {
        let world = try HumorGymTesting.smallWorld()
        let prompt = world.prompts(.test)[0]
        let candidates = Array(world.candidates[prompt].prefix(8))
        let first = try await keepBetterHalf(candidates, for: prompt, critic: HumorGymTesting.mockCritic(for: world, seed: 42))
        let again = try await keepBetterHalf(candidates, for: prompt, critic: HumorGymTesting.mockCritic(for: world, seed: 42))
        #expect(first == again)
        #expect(first.count == 4)
    }

    @Test func theKeptHalfIsFunnierByTheGoldJudge() async throws {
        let world = try HumorGymTesting.smallWorld()
        var better = 0, prompts = 0
        for prompt in world.prompts(.test) {
            let candidates = Array(world.candidates[prompt].prefix(8))
            let kept = try await keepBetterHalf(candidates, for: prompt, critic: HumorGymTesting.mockCritic(for: world, seed: 7))
            let mean = { (texts: [Text]) in texts.reduce(0.0) { $0 + world.goldJudge.judge($1, for: prompt).total } / Double(texts.count) }
            if mean(kept) > mean(candidates) { better += 1 }
            prompts += 1
        }
        #expect(better * 10 >= prompts * 7, "the kept half was better on \(better) of \(prompts) prompts")
    }

    @Test func aScriptedCriticForExactExpectations() async throws {
        let world = try HumorGymTesting.smallWorld()
        let prompt = world.prompts(.test)[1]
        let short = prompt.text, long = world.vocabulary.text(prompt.text.tokens + prompt.text.tokens)
        let kept = try await keepBetterHalf([short, long], for: prompt, critic: ScriptedCritic.prefersLonger)
        #expect(kept == [long])
    }
}

/// The example of docs/guide.md ("Use it in your own tests"), verbatim.
@Test func myRankerIsStable() async throws {
    let world = try HumorGymTesting.smallWorld()
    let prompt = world.prompts(.test)[0]
    let candidates = world.candidates[prompt]
    let pairs = [PairRequest(prompt: prompt, first: candidates[1], second: candidates[2]),
                 PairRequest(prompt: prompt, first: candidates[3], second: candidates[4])]
    // Two mock critics from the same seed answer alike, call for call; another seed has other noise.
    let first = try await HumorGymTesting.mockCritic(for: world, seed: 42).preferenceBothOrders(pairs)
    let again = try await HumorGymTesting.mockCritic(for: world, seed: 42).preferenceBothOrders(pairs)
    let other = try await HumorGymTesting.mockCritic(for: world, seed: 43).preferenceBothOrders(pairs)
    #expect(first == again && first != other)
    // A scripted critic answers exactly what the test says: the longer response wins, in both orders.
    let short = prompt.text, long = world.vocabulary.text(prompt.text.tokens + prompt.text.tokens)
    let p = try await ScriptedCritic.prefersLonger.preferenceBothOrders([PairRequest(prompt: prompt, first: short, second: long)])
    #expect(p == [0])
}

/// The environment tour of docs/guide.md, verbatim but for the prints.
@Test func gymnasiumStyleTour() async throws {
    let world = try ParaphraseWorld()
    let env = try HumorEnvironment(prompts: world.prompts(.train), critic: MockCritic(gold: world.goldJudge, seed: 1))
    let (prompt, info) = env.reset(seed: 42)
    let response = world.candidates[prompt][3]
    let t = try await env.step(response)
    #expect(t.terminated && t.reward.isFinite && info["prompt_id"] == Double(prompt.id))
    #expect(world.goldJudge.judge(response, for: prompt).total > 0)
}
