import Foundation
import LinearAlgebra
import Policies
@testable import Transformer
import Stochastics
import Testing

@Suite struct ParallelAndVectorTests {
    /// Float's vectorised exp against Double's libm exp: within 2 ulp across the whole clamped range.
    @Test func vectorisedExpIsWithinTwoUlp() {
        var x = stride(from: -87.0, through: 88.0, by: 0.001).map { Float($0) }
        let exact = x.map { Foundation.exp(Double($0)) }
        Float.exponentiate(&x, count: x.count)
        let worst = zip(x, exact).map { abs(Double($0) - $1) / Double(Float($1).ulp) }.max()!
        #expect(worst <= 2, "worst error \(worst) ulp")
        var edges: [Float] = [-1000, -87, 0, 88, 1000, .infinity, -.infinity]
        Float.exponentiate(&edges, count: edges.count)
        #expect(edges[2] == 1)
        #expect(edges.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(edges[0] < 1e-37 && edges[4] > 1e38)
    }

    @Test func parallelMapKeepsOrderAndRunsEachIndexOnce() {
        #expect(Parallel.map(1000, threads: 3) { $0 * $0 } == (0..<1000).map { $0 * $0 })
        #expect(Parallel.map(0, threads: 4) { $0 }.isEmpty)
    }

    /// A batch is cut into shards by size alone, so any number of threads gives the same bits.
    @Test func shardedPassesGiveTheSameBitsOnAnyNumberOfThreads() throws {
        var c = TransformerConfiguration(vocabularySize: 13)
        c.contextLength = 8; c.width = 8; c.layers = 2; c.heads = 2; c.dropout = 0.2
        let model = try TransformerModel<Float>(c)
        let batch = 2 * TransformerModel<Float>.sequencesPerShard + 5, length = 7
        let stream = RandomStream(seed: 8)
        let tokens = (0..<(batch * length)).map { _ in Int32(stream.integer(below: 13)) }
        let targets = (0..<(batch * length)).map { _ in Int32(stream.integer(below: 13)) }
        let upstream = [Float](repeating: 0.01, count: batch * length)
        func pass(threads: Int) throws -> (logits: [Float], gradient: [Float]) {
            let a = try model.forward(tokens: tokens, batch: batch, length: length, dropout: Dropout(rate: 0.2, key: 3), threads: threads)
            let dlogits = NextTokenLogProbabilities.logitGradient(logits: a.logits, vocabulary: 13, targets: targets, upstream: upstream)
            return (a.logits, model.backward(a, logitGradient: dlogits, threads: threads))
        }
        let one = try pass(threads: 1), three = try pass(threads: 3)
        #expect(one.logits == three.logits)
        #expect(one.gradient == three.gradient)
        #expect(one.gradient.contains { $0 != 0 })
    }
}
