import Foundation
import HumorGym
import LinearAlgebra
import Policies
import Stochastics
import Testing

/// Central finite differences of f at theta, coordinate by coordinate.
func finiteDifferences(_ theta: [Double], indices: [Int], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    indices.map { i in
        var plus = theta, minus = theta
        plus[i] += h
        minus[i] -= h
        return (f(plus) - f(minus)) / (2 * h)
    }
}

@Suite struct PolicyTests {
    let world = Fixtures.small

    func randomised<P: TrainablePolicy>(_ policy: P, seed: UInt64) -> P where P.Scalar == Double {
        var p = policy
        let stream = RandomStream(seed: seed)
        p.parameters = p.parameters.map { _ in stream.gaussian(sigma: 0.5) }
        return p
    }

    var features: LogLinearPolicy.Features {
        LogLinearPolicy.Features(map: FeatureMap(dimension: 64), prompts: world.allPrompts, candidates: world.candidates)
    }

    /// A batch that repeats prompts and includes an impossible response.
    var batch: [Example] {
        let prompts = world.prompts(.train)
        return [Example(prompt: prompts[0], response: world.candidates[prompts[0]][1]),
                Example(prompt: prompts[1], response: world.candidates[prompts[1]][0]),
                Example(prompt: prompts[0], response: world.candidates[prompts[0]][5]),
                Example(prompt: prompts[2], response: world.candidates[prompts[2]][7])]
    }

    func checkPullback<P: TrainablePolicy>(_ policy: P, indices: [Int]) where P.Scalar == Double {
        let upstream = [0.7, -1.3, 0.4, 2.0]
        let (values, pullback) = policy.logProbabilitiesWithPullback(batch)
        #expect(values == policy.logProbabilities(batch))
        let analytic = pullback(upstream)
        let numeric = finiteDifferences(policy.parameters, indices: indices) { theta in
            var p = policy
            p.parameters = theta
            return zip(upstream, p.logProbabilities(batch)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for (k, i) in indices.enumerated() {
            #expect(abs(analytic[i] - numeric[k]) < 1e-6 * max(1, abs(numeric[k])), "parameter \(i): \(analytic[i]) vs \(numeric[k])")
        }
    }

    @Test func tabularPullbackMatchesFiniteDifferences() {
        let p = randomised(TabularPolicy(candidates: world.candidates), seed: 1)
        checkPullback(p, indices: Array(0..<40))
    }

    @Test func logLinearPullbackMatchesFiniteDifferences() {
        let p = randomised(LogLinearPolicy(candidates: world.candidates, features: features), seed: 2)
        checkPullback(p, indices: Array(0..<64))
    }

    @Test func logProbabilitiesAreNormalisedAndSamplingFollowsThem() {
        let p = randomised(LogLinearPolicy(candidates: world.candidates, features: features), seed: 3)
        let prompt = world.prompts(.test)[0]
        let probs = world.candidates[prompt].map { exp(p.logProbability(of: $0, given: prompt)) }
        #expect(abs(probs.reduce(0, +) - 1) < 1e-12)
        #expect(p.logProbability(of: Fixtures.tokens([1, 2, 3]), given: prompt) == -.infinity)
        let best = probs.indices.max { probs[$0] < probs[$1] }!
        #expect(p.mostLikely(prompt) == world.candidates[prompt][best])
        let samples = p.sample(prompt, count: 20_000, using: RandomStream(seed: 4))
        let share = Double(samples.filter { $0 == world.candidates[prompt][best] }.count) / 20_000
        #expect(abs(share - probs[best]) < 0.02)
    }

    @Test func featuresDependOnTheTextNotOnOrderOfConstruction() {
        let prompt = world.prompts(.test)[2]
        let a = FeatureMap(dimension: 128).rows(prompts: world.allPrompts, candidates: world.candidates)
        let b = FeatureMap(dimension: 128).rows(prompts: world.allPrompts.reversed(), candidates: world.candidates)
        #expect(a == b)
        #expect(a[world.candidates.offsets[prompt.id], 127] == 1)  // the literal copy copies every token
    }
}

/// The log-linear student as it was before its features went sparse: one dense matrix of every candidate's
/// features, filled row by row by `FeatureMap.accumulate`. The reference the sparse student must match to the bit.
struct DenseLogLinearPolicy: CandidateSetPolicy {
    let candidates: CandidateSets
    let matrix: Matrix
    var parameters: [Double]

    init(map: FeatureMap, prompts: [Prompt], candidates: CandidateSets, parameters: [Double]) {
        var m = Matrix(rows: candidates.offsets.last!, columns: map.dimension)
        m.storage.withUnsafeMutableBufferPointer { storage in
            for prompt in prompts {
                for (k, response) in candidates[prompt].enumerated() {
                    let start = (candidates.offsets[prompt.id] + k) * map.dimension
                    map.accumulate(prompt: prompt.text, response: response,
                                   into: UnsafeMutableBufferPointer(rebasing: storage[start..<start + map.dimension]))
                }
            }
        }
        self.candidates = candidates
        self.matrix = m
        self.parameters = parameters
    }

    private func rows(_ prompt: Prompt) -> Range<Int> { candidates.offsets[prompt.id]..<candidates.offsets[prompt.id + 1] }
    func logits(for prompt: Prompt) -> [Double] { matrix.times(parameters, rows: rows(prompt)) }
    func accumulateGradient(for prompt: Prompt, logitGradient: [Double], into gradient: inout [Double]) {
        matrix.accumulateTransposedTimes(logitGradient, rows: rows(prompt), into: &gradient)
    }
}

@Suite struct SparseFeatureTests {
    let world = Fixtures.small
    let map = FeatureMap(dimension: 96)

    @Test func sparseFeaturesHoldEveryEntryOfTheDenseMatrix() {
        let sparse = map.rows(prompts: world.allPrompts, candidates: world.candidates)
        let dense = DenseLogLinearPolicy(map: map, prompts: world.allPrompts, candidates: world.candidates, parameters: []).matrix
        #expect(sparse.rows == dense.rows)
        #expect((0..<dense.rows).allSatisfy { r in (0..<dense.columns).allSatisfy { sparse[r, $0] == dense[r, $0] } })
        // At the default student's 512 columns, hashed features fill a fraction of them.
        let wide = FeatureMap(dimension: 512).rows(prompts: world.allPrompts, candidates: world.candidates)
        #expect(wide.values.count < wide.rows * 512 / 4)
        // The bound the assembly checks memory with holds for every row.
        for prompt in world.allPrompts {
            for (k, response) in world.candidates[prompt].enumerated() {
                let r = world.candidates.offsets[prompt.id] + k
                #expect(sparse.rowStarts[r + 1] - sparse.rowStarts[r] <= map.maximumEntries(promptLength: prompt.text.count, responseLength: response.count))
            }
        }
    }

    @Test func sparseStudentMatchesTheDenseOneToTheBit() {
        let stream = RandomStream(seed: 9)
        let theta = (0..<map.dimension).map { _ in stream.gaussian(sigma: 0.5) }
        var sparse = LogLinearPolicy(candidates: world.candidates,
                                     features: LogLinearPolicy.Features(map: map, prompts: world.allPrompts, candidates: world.candidates))
        sparse.parameters = theta
        let dense = DenseLogLinearPolicy(map: map, prompts: world.allPrompts, candidates: world.candidates, parameters: theta)
        for prompt in world.allPrompts { #expect(sparse.logits(for: prompt) == dense.logits(for: prompt)) }
        let batch = world.prompts(.train).flatMap { p in [1, 4, 7].map { Example(prompt: p, response: world.candidates[p][$0]) } }
        let upstream = batch.indices.map { _ in stream.gaussian(sigma: 1) }
        let (sparseValues, sparsePullback) = sparse.logProbabilitiesWithPullback(batch)
        let (denseValues, densePullback) = dense.logProbabilitiesWithPullback(batch)
        #expect(sparseValues == denseValues)
        #expect(sparsePullback(upstream) == densePullback(upstream))
    }
}
