import Foundation
import Testing
@testable import Stochastics

@Suite struct SeedSequenceTests {
    @Test func splitMixMatchesTheReferenceGenerator() {
        // SplitMix64 started from state 0 first returns 0xE220A8397B1DCDAF (Steele, Lea and Flood, 2014).
        #expect(SeedSequence.splitMix(0) == 0xE220_A839_7B1D_CDAF)
    }

    @Test func namedStreamsAreStableAndIndependent() {
        let seeds = SeedSequence(root: 42)
        #expect(seeds.seed(for: "critic") == SeedSequence(root: 42).seed(for: "critic"))
        #expect(seeds.seed(for: "critic") != seeds.seed(for: "teacher"))
        #expect(seeds.seed(for: "critic") != SeedSequence(root: 43).seed(for: "critic"))
        #expect(seeds.child("a").seed(for: "x") != seeds.child("b").seed(for: "x"))
        // The same name draws the same numbers, whatever else was drawn in between.
        let a = seeds.stream("policy"), b = seeds.stream("policy")
        _ = seeds.stream("other").uniform()
        #expect((0..<10).map { _ in a.uniform() } == (0..<10).map { _ in b.uniform() })
    }
}

@Suite struct RandomStreamTests {
    @Test func mt19937MatchesGSLsOwnReferenceValue() {
        // GSL's test suite: mt19937 seeded with 4357 gives 1186927261 as its 1000th output.
        // next() packs two 32-bit outputs, so output 1000 is the low half of the 500th call.
        let stream = RandomStream(seed: 4357)
        var last: UInt64 = 0
        for _ in 0..<500 { last = stream.next() }
        #expect(last & 0xffff_ffff == 1_186_927_261)
    }

    @Test func aRestoredStateContinuesTheStreamExactly() throws {
        let original = RandomStream(seed: 9)
        for _ in 0..<1000 { _ = original.next() }  // past mt19937's 624-word block, so the position matters
        let state = original.state
        let ahead = (0..<700).map { _ in original.next() }
        let copy = RandomStream(seed: 1)
        try copy.restore(state)
        #expect((0..<700).map { _ in copy.next() } == ahead)
        #expect(throws: RandomStreamError.stateSize(found: 3, expected: state.count)) { try copy.restore([1, 2, 3]) }
    }

    @Test func namedStreamsSaveAndRestoreTogether() throws {
        final class Owner: RandomStateOwner, @unchecked Sendable {
            let stream = RandomStream(seed: 4)
            var randomState: [UInt8] { stream.state }
            func restoreRandomState(_ state: [UInt8]) throws { try stream.restore(state) }
        }
        let seeds = SeedSequence(root: 12)
        let streams = RandomStreams(seeds: seeds), owner = Owner()
        try streams.track("critic", owner)
        let shuffle = try streams.stream("shuffle")
        #expect(try streams.stream("shuffle") === shuffle)
        _ = shuffle.permutation(50); _ = owner.stream.uniform()
        let saved = streams.states()
        #expect(saved.keys.sorted() == ["critic", "shuffle"])
        let next = (shuffle.next(), owner.stream.next())

        let restored = RandomStreams(seeds: seeds, restoring: saved), restoredOwner = Owner()
        try restored.track("critic", restoredOwner)
        #expect(try (restored.stream("shuffle").next(), restoredOwner.stream.next()) == next)
        // A stream not asked for again keeps its saved state in the next save.
        #expect(RandomStreams(seeds: seeds, restoring: saved).states() == saved)
        #expect(try RandomStreams(seeds: seeds).stream("shuffle").next() == seeds.stream("shuffle").next())
    }

    @Test func categoricalFollowsItsWeights() {
        let stream = RandomStream(seed: 9)
        var counts = [0, 0, 0]
        for _ in 0..<30_000 { counts[stream.categorical(weights: [1, 2, 7])] += 1 }
        // Expected 3000, 6000, 21000; a 5-sigma band is about +-260.
        #expect(abs(counts[0] - 3000) < 300 && abs(counts[1] - 6000) < 400 && abs(counts[2] - 21000) < 400)
        #expect(stream.categorical(weights: [0, 0, 5]) == 2)
    }

    @Test func permutationIsAPermutation() {
        let p = RandomStream(seed: 3).permutation(50)
        #expect(p.sorted() == Array(0..<50))
        #expect(p != Array(0..<50))
    }

    @Test func gaussianHasTheRequestedSpread() {
        let stream = RandomStream(seed: 11)
        let xs = (0..<40_000).map { _ in stream.gaussian(sigma: 2) }
        let s = Summary(xs)
        #expect(abs(s.mean) < 0.05)
        #expect(abs(s.standardDeviation! - 2) < 0.05)
    }
}

@Suite struct SummaryAndSoftmaxTests {
    @Test func studentTIntervalByHand() {
        // 1..5: mean 3, s = sqrt(2.5); t(0.975, 4) = 2.7764451051977987.
        let s = Summary([1, 2, 3, 4, 5])
        #expect(s.mean == 3)
        #expect(abs(s.standardDeviation! - 2.5.squareRoot()) < 1e-12)
        #expect(abs(studentTQuantile(0.975, degreesOfFreedom: 4) - 2.7764451051977987) < 1e-9)
        #expect(abs(s.halfWidth! - 2.7764451051977987 * 2.5.squareRoot() / 5.0.squareRoot()) < 1e-9)
        #expect(Summary([7]).halfWidth == nil)
        #expect(Summary([1, 2, 3]).isSeparated(from: Summary([10, 11, 12])))
        #expect(!Summary([1, 2, 3]).isSeparated(from: Summary([2, 3, 4])))
    }

    @Test func softmaxIsStable() {
        let p = Softmax.probabilities([1000, 1000 + log(3)])
        #expect(abs(p[0] - 0.25) < 1e-12 && abs(p[1] - 0.75) < 1e-12)
        #expect(abs(Softmax.logSumExp([-1000, -1000]) - (-1000 + log(2))) < 1e-9)
        #expect(abs(Softmax.sigmoid(-800)) < 1e-300)
        #expect(abs(Softmax.logSigmoid(-800) + 800) < 1e-9)
        #expect(abs(Softmax.sigmoid(0.3) + Softmax.sigmoid(-0.3) - 1) < 1e-15)
    }

    @Test func hashedNoiseIsAFixedStandardNormal() {
        #expect(HashedNoise.gaussian(seed: 1, salt: 2, tokens: [3, 4]) == HashedNoise.gaussian(seed: 1, salt: 2, tokens: [3, 4]))
        #expect(HashedNoise.gaussian(seed: 1, salt: 2, tokens: [3, 4]) != HashedNoise.gaussian(seed: 1, salt: 2, tokens: [4, 3]))
        let xs = (0..<20_000).map { HashedNoise.gaussian(seed: 5, salt: $0, tokens: [1]) }
        let s = Summary(xs)
        #expect(abs(s.mean) < 0.04 && abs(s.standardDeviation! - 1) < 0.03)
    }
}
