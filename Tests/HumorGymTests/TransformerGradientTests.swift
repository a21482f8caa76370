import Foundation
import LinearAlgebra
import Policies
@testable import Transformer
import Stochastics
import Testing

/// Every op of the transformer and the whole model against central finite differences, in Double.
@Suite struct TransformerGradientTests {
    let stream = RandomStream(seed: 77)

    func random(_ n: Int, sigma: Double = 1) -> [Double] { (0..<n).map { _ in stream.gaussian(sigma: sigma) } }

    /// Checks d(sum w * f(x)) / dx from `analytic` against central differences of f at every coordinate.
    func check(_ x: [Double], weights w: [Double], analytic: [Double], tolerance: Double = 1e-7, _ f: ([Double]) -> [Double]) {
        for i in x.indices {
            var plus = x, minus = x
            plus[i] += 1e-6
            minus[i] -= 1e-6
            let numeric = (zip(w, f(plus)).reduce(0) { $0 + $1.0 * $1.1 } - zip(w, f(minus)).reduce(0) { $0 + $1.0 * $1.1 }) / 2e-6
            #expect(abs(numeric - analytic[i]) <= tolerance * max(1, abs(numeric)), "coordinate \(i): analytic \(analytic[i]) numeric \(numeric)")
        }
    }

    @Test func layerNorm() {
        let rows = 3, d = 5
        let x = random(rows * d), g = random(d), b = random(d), w = random(rows * d)
        func f(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: rows * d), m = [Double](repeating: 0, count: rows), s = m
            LayerNorm.forward(x, weight: g, bias: b, rows: rows, width: d, epsilon: 1e-5, output: &y, mean: &m, rstd: &s)
            return y
        }
        var y = [Double](repeating: 0, count: rows * d), m = [Double](repeating: 0, count: rows), s = m
        LayerNorm.forward(x, weight: g, bias: b, rows: rows, width: d, epsilon: 1e-5, output: &y, mean: &m, rstd: &s)
        var dx = [Double](repeating: 0, count: rows * d), dg = [Double](repeating: 0, count: d), db = dg
        LayerNorm.backward(w, input: x, weight: g, mean: m, rstd: s, rows: rows, width: d, dx: &dx, dg: &dg, db: &db)
        check(x, weights: w, analytic: dx) { f($0, g, b) }
        check(g, weights: w, analytic: dg) { f(x, $0, b) }
        check(b, weights: w, analytic: db) { f(x, g, $0) }
    }

    @Test func linear() {
        let rows = 4, n = 3, m = 5
        let x = random(rows * n), W = random(n * m), b = random(m), w = random(rows * m)
        func f(_ x: [Double], _ W: [Double], _ b: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: rows * m)
            Linear.forward(x, weight: W, bias: b, rows: rows, inputs: n, outputs: m, output: &y)
            return y
        }
        // Forward by hand for one entry.
        let y = f(x, W, b)
        #expect(abs(y[1 * m + 2] - (b[2] + (0..<n).reduce(0) { $0 + x[1 * n + $1] * W[$1 * m + 2] })) < 1e-12)
        var dx = [Double](repeating: 0, count: rows * n), dW = [Double](repeating: 0, count: n * m), db = [Double](repeating: 0, count: m)
        Linear.backward(w, input: x, weight: W, rows: rows, inputs: n, outputs: m, dx: &dx, dw: &dW, db: &db)
        check(x, weights: w, analytic: dx) { f($0, W, b) }
        check(W, weights: w, analytic: dW) { f(x, $0, b) }
        check(b, weights: w, analytic: db) { f(x, W, $0) }
    }

    @Test func gelu() {
        let x = random(20, sigma: 2), w = random(20)
        func f(_ x: [Double]) -> [Double] {
            var y = [Double](repeating: 0, count: x.count)
            GELU.forward(x, count: x.count, output: &y)
            return y
        }
        #expect(abs(f([1])[0] - 0.8411919906082768) < 1e-12)  // PyTorch: gelu(1, approximate="tanh")
        var y = [Double](repeating: 0, count: 20), t = y, dx = y
        GELU.forward(x, count: 20, output: &y, tanh: &t)
        GELU.backward(w, input: x, tanh: t, count: 20, dx: &dx)
        check(x, weights: w, analytic: dx, f)
    }

    /// Sequences of their own lengths (one of them empty), packed: each attends only within its own rows.
    @Test func causalSelfAttention() {
        let sequences = PackedSequences(lengths: [4, 0, 3]), heads = CausalSelfAttention.Heads(count: 2, width: 3)
        let N = sequences.rowCount, d = heads.modelWidth, P = CausalSelfAttention.probabilityCount(sequences, heads: heads)
        let qkv = random(N * 3 * d), w = random(N * d)
        func f(_ qkv: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: N * d), p = [Double](repeating: 0, count: P)
            CausalSelfAttention.forward(qkv, sequences: sequences, heads: heads, output: &out, probabilities: &p)
            return out
        }
        var out = [Double](repeating: 0, count: N * d), p = [Double](repeating: 0, count: P)
        CausalSelfAttention.forward(qkv, sequences: sequences, heads: heads, output: &out, probabilities: &p)
        // The first position of each sequence attends only to itself: its output is its own value vector.
        for row in [0, 4] {
            for i in 0..<heads.width { #expect(abs(out[row * d + i] - qkv[row * 3 * d + 2 * d + i]) < 1e-12) }
        }
        var dqkv = [Double](repeating: 0, count: N * 3 * d), scratch = [Double](repeating: 0, count: 16)
        CausalSelfAttention.backward(w, qkv: qkv, probabilities: p, sequences: sequences, heads: heads, dqkv: &dqkv, scratch: &scratch)
        check(qkv, weights: w, analytic: dqkv, f)
    }

    /// With dropout the gradient is that of the masked network: the masks are a function of the key.
    @Test(arguments: [0.0, 0.3])
    func wholeModelOnSequenceLogProbabilities(dropoutRate: Double) throws {
        let dropout = dropoutRate > 0 ? Dropout(rate: dropoutRate, key: 77) : nil
        var c = TransformerConfiguration(vocabularySize: 11)
        c.contextLength = 6; c.width = 8; c.layers = 2; c.heads = 2; c.initializationSeed = 3
        var model = try TransformerModel<Double>(c)
        // Larger weights than the initialisation, so that every path carries signal.
        model.parameters = model.parameters.map { $0 + stream.gaussian(sigma: 0.3) }
        let batch = 2, length = 5
        let tokens: [Int32] = [1, 4, 2, 9, 3, 5, 5, 0, 10, 7]
        let targets: [Int32] = [4, 2, 9, 3, -1, -1, 0, 10, 7, -1]  // next tokens; -1: not scored
        let upstream = random(batch * length)
        func loss(_ p: [Double]) throws -> Double {
            var m = model
            m.parameters = p
            let a = try m.forward(tokens: tokens, batch: batch, length: length, dropout: dropout)
            return zip(upstream, NextTokenLogProbabilities.values(logits: a.logits, vocabulary: c.vocabularySize, targets: targets)).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let a = try model.forward(tokens: tokens, batch: batch, length: length, dropout: dropout)
        let dlogits = NextTokenLogProbabilities.logitGradient(logits: a.logits, vocabulary: c.vocabularySize, targets: targets, upstream: upstream)
        let grad = model.backward(a, logitGradient: dlogits)
        let undropped = try model.forward(tokens: tokens, batch: batch, length: length).logits
        #expect((a.logits == undropped) == (dropout == nil))
        // A few coordinates of every tensor.
        for tensor in model.layout.tensors {
            for i in stride(from: tensor.offset, to: tensor.offset + tensor.count, by: max(1, tensor.count / 4)) {
                var plus = model.parameters, minus = model.parameters
                plus[i] += 1e-6
                minus[i] -= 1e-6
                let numeric = (try loss(plus) - loss(minus)) / 2e-6
                #expect(abs(numeric - grad[i]) <= 1e-6 * max(1, abs(numeric)), "\(tensor.name)[\(i - tensor.offset)]: analytic \(grad[i]) numeric \(numeric)")
            }
        }
        // Padding after a sequence never changes the log-probabilities before it (causal attention).
        let padded = try model.forward(tokens: [1, 4, 2, 9, 3, 5, 5, 0, 10, 2], batch: batch, length: length, dropout: dropout)
        #expect(Array(padded.logits[0..<(9 * c.vocabularySize)]) == Array(a.logits[0..<(9 * c.vocabularySize)]))
    }

    /// Packed without padding, each sequence gets the logits it gets alone, and the batch's gradient is the
    /// sum of the sequences' own (a sequence of no rows takes no part); reading out some rows only changes nothing else.
    @Test func packedSequencesAreEachTheirOwnForwardAndBackward() throws {
        var c = TransformerConfiguration(vocabularySize: 11)
        c.contextLength = 6; c.width = 8; c.layers = 2; c.heads = 2; c.initializationSeed = 5
        var model = try TransformerModel<Double>(c)
        model.parameters = model.parameters.map { $0 + stream.gaussian(sigma: 0.3) }
        let sequences: [[Int32]] = [[1, 4, 2], [9, 3, 5, 5, 0, 10], [], [7, 2]]
        let packing = PackedSequences(lengths: sequences.map(\.count))
        let packed = try model.forward(tokens: sequences.flatMap { $0 }, sequences: packing)
        let upstream = random(packing.rowCount * c.vocabularySize)
        let gradient = model.backward(packed, logitGradient: upstream)
        var summed = [Double](repeating: 0, count: model.parameters.count)
        for (b, tokens) in sequences.enumerated() where !tokens.isEmpty {
            let rows = packing.rows(b), V = c.vocabularySize
            let alone = try model.forward(tokens: tokens, batch: 1, length: tokens.count)
            for (x, y) in zip(alone.logits, packed.logits[(rows.lowerBound * V)..<(rows.upperBound * V)]) { #expect(abs(x - y) < 1e-12) }
            let own = model.backward(alone, logitGradient: Array(upstream[(rows.lowerBound * V)..<(rows.upperBound * V)]))
            for i in summed.indices { summed[i] += own[i] }
        }
        for (x, y) in zip(gradient, summed) { #expect(abs(x - y) < 1e-10 * max(1, abs(y))) }
        // Reading out only the last rows of each sequence gives those rows' logits, and the gradient of a loss on
        // them is the full pass's with nothing upstream of the other rows.
        let readingOut = [1, 4, 0, 2], readOut = PackedSequences(lengths: readingOut), V = c.vocabularySize
        let read = try model.forward(tokens: sequences.flatMap { $0 }, sequences: packing, readingOut: readingOut)
        var upstreamOfRead: [Double] = [], upstreamOfAll = [Double](repeating: 0, count: upstream.count)
        for b in sequences.indices {
            let rows = (packing.rows(b).upperBound - readingOut[b])..<packing.rows(b).upperBound
            #expect(readOut.rows(b).count == rows.count)
            for (x, y) in zip(read.logits[(readOut.rows(b).lowerBound * V)..<(readOut.rows(b).upperBound * V)],
                              packed.logits[(rows.lowerBound * V)..<(rows.upperBound * V)]) { #expect(abs(x - y) < 1e-12) }
            upstreamOfRead += upstream[(rows.lowerBound * V)..<(rows.upperBound * V)]
            for i in (rows.lowerBound * V)..<(rows.upperBound * V) { upstreamOfAll[i] = upstream[i] }
        }
        let readGradient = model.backward(read, logitGradient: upstreamOfRead)
        for (x, y) in zip(readGradient, model.backward(packed, logitGradient: upstreamOfAll)) { #expect(abs(x - y) < 1e-10 * max(1, abs(y))) }
    }

    /// Over three shards of ragged sequences (the second reading out no row, some sequences empty),
    /// each sequence still gets its own logits, and the pass gives the same bits on one thread and on two.
    @Test func raggedShardsReadOutTheirOwnRowsOnAnyNumberOfThreads() throws {
        var c = TransformerConfiguration(vocabularySize: 11)
        c.contextLength = 6; c.width = 8; c.layers = 1; c.heads = 2; c.initializationSeed = 9
        var model = try TransformerModel<Double>(c)
        model.parameters = model.parameters.map { $0 + stream.gaussian(sigma: 0.3) }
        let lengths = (0..<40).map { $0 % 7 == 3 ? 0 : 1 + $0 % 6 }
        let sequences = lengths.map { n in (0..<n).map { _ in Int32(stream.integer(below: 11)) } }
        let readingOut = lengths.enumerated().map { b, n in (16..<32).contains(b) ? 0 : n - n / 2 }
        let packing = PackedSequences(lengths: lengths), readOut = PackedSequences(lengths: readingOut), V = c.vocabularySize
        let passes = try [1, 2].map { try model.forward(tokens: sequences.flatMap { $0 }, sequences: packing, readingOut: readingOut, dropout: Dropout(rate: 0.2, key: 4), threads: $0) }
        #expect(passes[0].logits == passes[1].logits)
        let upstream = random(readOut.rowCount * V)
        #expect(model.backward(passes[0], logitGradient: upstream, threads: 1) == model.backward(passes[1], logitGradient: upstream, threads: 2))
        let read = try model.forward(tokens: sequences.flatMap { $0 }, sequences: packing, readingOut: readingOut)
        for (b, tokens) in sequences.enumerated() where readingOut[b] > 0 {
            let alone = try model.forward(tokens: tokens, batch: 1, length: tokens.count).logits.suffix(readingOut[b] * V)
            for (x, y) in zip(alone, read.logits[(readOut.rows(b).lowerBound * V)..<(readOut.rows(b).upperBound * V)]) { #expect(abs(x - y) < 1e-12) }
        }
    }

    @Test func dropoutKeepsOneMinusTheRateAndRescales() {
        let mask: [Double] = Dropout(rate: 0.25, key: 5).mask(count: 100_000, site: 3)
        let kept = mask.filter { $0 != 0 }
        #expect(Set(kept) == [1 / 0.75])
        #expect(abs(Double(kept.count) / 100_000 - 0.75) < 0.005)  // 0.75 +- 3.6 standard errors
        #expect(mask == Dropout(rate: 0.25, key: 5).mask(count: 100_000, site: 3))
        #expect(mask != Dropout(rate: 0.25, key: 5).mask(count: 100_000, site: 4))
        #expect(mask != Dropout(rate: 0.25, key: 6).mask(count: 100_000, site: 3))
    }

    @Test func badInputIsAnErrorNotACrash() throws {
        var c = TransformerConfiguration(vocabularySize: 5)
        c.contextLength = 4; c.width = 8; c.heads = 3
        #expect(throws: TransformerError.self) { try TransformerModel<Float>(c) }
        c.heads = 2
        let model = try TransformerModel<Float>(c)
        #expect(throws: TransformerError.sequenceTooLong(length: 5, context: 4)) { try model.forward(tokens: [1, 1, 1, 1, 1], batch: 1, length: 5) }
        #expect(throws: TransformerError.tokenOutOfRange(token: 7, vocabulary: 5)) { try model.forward(tokens: [1, 7], batch: 1, length: 2) }
    }
}

@Suite struct TransformerDecodingTests {
    /// A small model over 9 tokens with larger weights than the initial ones, so that what a position attends
    /// to shows in its logits.
    func model(initializationSeed: UInt64, noise: UInt64) throws -> TransformerModel<Double> {
        var c = TransformerConfiguration(vocabularySize: 9)
        c.contextLength = 8; c.width = 8; c.layers = 2; c.heads = 2; c.initializationSeed = initializationSeed
        var model = try TransformerModel<Double>(c)
        let stream = RandomStream(seed: noise)
        model.parameters = model.parameters.map { $0 + stream.gaussian(sigma: 0.3) }
        return model
    }

    @Test func cachedDecodingGivesTheFullForwardLogits() throws {
        let model = try model(initializationSeed: 4, noise: 5)
        let sequences: [[Int32]] = [[1, 2, 3, 4, 5, 6, 7], [8, 0, 8, 2, 2, 6, 1]]
        let full = try model.forward(tokens: sequences.flatMap { $0 }, batch: 2, length: 7).logits
        var (cache, logits) = try model.prefill(tokens: sequences.flatMap { Array($0.prefix(3)) }, batch: 2, length: 3)
        for position in 2..<7 {
            for b in 0..<2 {
                for j in 0..<9 {
                    #expect(abs(logits[b * 9 + j] - full[(b * 7 + position) * 9 + j]) < 1e-10, "sequence \(b), position \(position)")
                }
            }
            if position < 6 { logits = try model.decode(sequences.map { $0[position + 1] }, cache: &cache) }
        }
        _ = try model.decode([1, 1], cache: &cache)  // position 7: the last the context allows
        #expect(throws: TransformerError.sequenceTooLong(length: 9, context: 8)) { try model.decode([1, 1], cache: &cache) }
    }

    /// Selecting rows of the cache part-way (reordered, one twice, one dropped) keeps every position decoded so
    /// far: each kept sequence goes on with the full forward pass's logits.
    @Test func selectingRowsKeepsWhatTheyDecoded() throws {
        let model = try model(initializationSeed: 6, noise: 7)
        let sequences: [[Int32]] = [[1, 2, 3, 4, 5, 6, 7], [8, 0, 8, 2, 2, 6, 1], [3, 3, 1, 7, 0, 4, 2]]
        let full = try model.forward(tokens: sequences.flatMap { $0 }, batch: 3, length: 7).logits
        var (cache, _) = try model.prefill(tokens: sequences.flatMap { Array($0.prefix(3)) }, batch: 3, length: 3)
        for position in 3..<5 { _ = try model.decode(sequences.map { $0[position] }, cache: &cache) }
        let kept = [2, 0, 2]
        cache.select(kept)
        for position in 5..<7 {
            let logits = try model.decode(kept.map { sequences[$0][position] }, cache: &cache)
            for (b, sequence) in kept.enumerated() {
                for j in 0..<9 {
                    #expect(abs(logits[b * 9 + j] - full[(sequence * 7 + position) * 9 + j]) < 1e-10, "sequence \(sequence), position \(position)")
                }
            }
        }
    }
}
