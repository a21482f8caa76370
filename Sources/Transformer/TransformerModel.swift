import LinearAlgebra
import Stochastics

/// A pre-LayerNorm decoder-only transformer (GPT-2 shape) with its own backward pass, every op batched
/// through OpenBLAS gemm. Generic over the scalar: `Float` for training, `Double` for gradient checks.
///
/// Block l:  x' = x + Proj(Attn(LN1(x)));  x'' = x' + FcProj(GELU(Fc(LN2(x')))).
/// Output:   logits = LNf(x_L) W_te^T (the output head is tied to the token embedding).
/// Training passes may apply ``Dropout`` (nanoGPT's places): to the embeddings' sum and to each residual
/// branch (Proj and FcProj outputs) before it is added.
/// The public entry points are pre-specialised for Float and Double, so callers that are generic over a
/// policy (the learners) or live in other modules still run specialised arithmetic.
public struct TransformerModel<S: BLASScalar>: Sendable {
    public let configuration: TransformerConfiguration
    public let layout: TransformerLayout
    public var parameters: [S]

    /// GPT-2's initialisation: N(0, 0.02) for embeddings and matrices, N(0, 0.02 / sqrt(2 L)) for the two
    /// projections into the residual stream, LayerNorm weights 1, biases 0; seeded by the configuration.
    public init(_ configuration: TransformerConfiguration) throws {
        if let problem = configuration.shapeProblem { throw TransformerError.invalidConfiguration(problem) }
        self.configuration = configuration
        layout = TransformerLayout(configuration)
        var p = [S](repeating: 0, count: layout.parameterCount)
        let stream = RandomStream(seed: configuration.initializationSeed)
        let residualSigma = 0.02 / (2 * Double(max(1, configuration.layers))).squareRoot()
        func fill(_ t: TransformerLayout.Tensor, _ sigma: Double) { for i in t.range { p[i] = S(stream.gaussian(sigma: sigma)) } }
        func ones(_ t: TransformerLayout.Tensor) { for i in t.range { p[i] = 1 } }
        fill(layout.tokenEmbedding, 0.02)
        fill(layout.positionEmbedding, 0.02)
        for b in layout.blocks {
            ones(b.ln1Weight); ones(b.ln2Weight)
            fill(b.attentionWeight, 0.02); fill(b.fcWeight, 0.02)
            fill(b.projectionWeight, residualSigma); fill(b.fcProjectionWeight, residualSigma)
        }
        ones(layout.finalLayerNormWeight)
        parameters = p
    }

    /// What a forward pass keeps for the backward pass; `logits` is [readOut.rowCount, vocabulary], the read-out
    /// rows of the sequences packed.
    public struct Activations: Sendable {
        /// The rows whose logits were read out: the last `readOut.lengths[b]` rows of each sequence b.
        public let readOut: PackedSequences
        var shards: [Shard]
        public var logits: [S]
    }

    /// One shard's activations: the sequences `sequences` of the batch, their rows packed as `packing`, of which
    /// `readRows` were read out.
    struct Shard: Sendable {
        let sequences: Range<Int>
        let packing: PackedSequences
        let tokens: ArraySlice<Int32>
        var readRows: [Int] = []
        var blocks: [BlockActivations] = []
        /// The last block's output on the read-out rows.
        var final: [S] = []
        var lnf: [S] = [], lnfMean: [S] = [], lnfRstd: [S] = []
        /// The embeddings' dropout mask (empty without dropout).
        var embeddingMask: [S] = []
    }

    struct BlockActivations: Sendable {
        var input: [S], ln1: [S], ln1Mean: [S], ln1Rstd: [S], qkv: [S], probabilities: [S], attention: [S]
        var middle: [S], ln2: [S], ln2Mean: [S], ln2Rstd: [S], fc: [S], gelu: [S], geluTanh: [S]
        /// Dropout masks of the two residual branches (empty without dropout).
        var attentionMask: [S] = [], mlpMask: [S] = []
    }

    /// Sequences per shard. A batch is cut into shards by this fixed size alone, and shards' weight gradients
    /// are summed in shard order, so the result is the same bits whatever the number of threads that run them.
    static var sequencesPerShard: Int { 16 }

    /// The rows `rows` of x [_, width], in that order.
    static func rows(_ rows: [Int], of x: [S], width: Int) -> [S] { rows.flatMap { x[($0 * width)..<(($0 + 1) * width)] } }

    static func shards(batch: Int) -> [Range<Int>] {
        stride(from: 0, to: batch, by: sequencesPerShard).map { $0..<min($0 + sequencesPerShard, batch) }
    }

    /// Runs `batch` sequences of `length` tokens each (row-major; pad short sequences at the end: attention
    /// is causal, so padding never reaches an earlier position), reading out every row. `dropout` makes it a
    /// training pass.
    public func forward(tokens: [Int32], batch: Int, length: Int, dropout: Dropout? = nil, threads: Int = 1) throws -> Activations {
        try forward(tokens: tokens, sequences: PackedSequences(count: batch, length: length), dropout: dropout, threads: threads)
    }

    /// Runs the sequences whose tokens are packed in `tokens` as `sequences` lays them out, and reads out the
    /// logits of the last `readingOut[b]` rows of each sequence b (nil: all rows): a row no target needs (a
    /// prompt's, but the last) costs no output head. `dropout` makes it a training pass. Shards of the batch
    /// run on up to `threads` threads (call BLAS single-threaded then).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward(tokens: [Int32], sequences: PackedSequences, readingOut: [Int]? = nil, dropout: Dropout? = nil,
                        threads: Int = 1) throws -> Activations {
        let c = configuration, V = c.vocabularySize, N = sequences.rowCount
        guard sequences.longest <= c.contextLength else {
            throw TransformerError.sequenceTooLong(length: sequences.longest, context: c.contextLength)
        }
        precondition(tokens.count == N, "forward: \(tokens.count) tokens for \(N) rows")
        let readOut = PackedSequences(lengths: readingOut ?? sequences.lengths)
        precondition(readOut.count == sequences.count && zip(readOut.lengths, sequences.lengths).allSatisfy(<=),
                     "forward: a sequence reads out more rows than it has")
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= V }) { throw TransformerError.tokenOutOfRange(token: bad, vocabulary: V) }
        let ranges = Self.shards(batch: sequences.count)
        var logits = [S](repeating: 0, count: readOut.rowCount * V)
        let shards = logits.withUnsafeMutableBufferPointer { out in
            let out = UncheckedPointer(out.baseAddress!)
            return Parallel.map(ranges.count, threads: threads) { i in
                forward(shard: ranges[i], of: sequences, readOut: readOut, tokens: tokens, dropout: dropout,
                        logits: out.pointer + readOut.rows(ranges[i].lowerBound).lowerBound * V)
            }
        }
        return Activations(readOut: readOut, shards: shards, logits: logits)
    }

    private func forward(shard sequences: Range<Int>, of batch: PackedSequences, readOut: PackedSequences, tokens allTokens: [Int32],
                         dropout: Dropout?, logits: UnsafeMutablePointer<S>) -> Shard {
        let c = configuration, packing = batch.slice(sequences), N = packing.rowCount
        let firstRow = batch.rows(sequences.lowerBound).lowerBound
        var a = Shard(sequences: sequences, packing: packing, tokens: allTokens[firstRow..<(firstRow + N)])
        a.readRows = sequences.enumerated().flatMap { j, b in (packing.rows(j).upperBound - readOut.lengths[b])..<packing.rows(j).upperBound }
        let heads = CausalSelfAttention.Heads(c)
        let positions = packing.positions
        parameters.withUnsafeBufferPointer { pb in
            let P = pb.baseAddress!
            // Sites: 0 the embeddings, then two per block; masks are indexed by the row in the whole batch.
            func mask(_ site: Int) -> [S] { dropout.map { $0.mask(count: N * c.width, site: site, offset: firstRow * c.width) } ?? [] }
            var x = embed(a.tokens, position: { positions[$0] }, parameters: P)
            a.embeddingMask = mask(0)
            Dropout.apply(a.embeddingMask, to: &x)
            for l in layout.blocks.indices {
                a.blocks.append(block(l, &x, rows: N, masks: (mask(1 + 2 * l), mask(2 + 2 * l)), parameters: P) { qkv, attention in
                    var probabilities = [S](repeating: 0, count: CausalSelfAttention.probabilityCount(packing, heads: heads))
                    CausalSelfAttention.forward(qkv, sequences: packing, heads: heads, output: &attention, probabilities: &probabilities)
                    return probabilities
                })
            }
            a.final = a.readRows.count == N ? x : Self.rows(a.readRows, of: x, width: c.width)
            (a.lnf, a.lnfMean, a.lnfRstd) = head(a.final, rows: a.readRows.count, parameters: P, logits: logits)
        }
        return a
    }

    /// The gradient of a loss with respect to every parameter, given dLoss/dlogits ([readOut.rowCount, vocabulary]).
    /// Shards run on up to `threads` threads; their gradients are summed in shard order.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward(_ a: Activations, logitGradient dlogits: [S], threads: Int = 1) -> [S] {
        let V = configuration.vocabularySize
        precondition(dlogits.count == a.readOut.rowCount * V, "backward: logit gradient has the wrong size")
        var grads = dlogits.withUnsafeBufferPointer { dl in
            let dl = UncheckedPointer(UnsafeMutablePointer(mutating: dl.baseAddress!))
            return Parallel.map(a.shards.count, threads: threads) { i in
                backward(a.shards[i], logitGradient: dl.pointer + a.readOut.rows(a.shards[i].sequences.lowerBound).lowerBound * V)
            }
        }
        var grad = grads.removeFirst()
        for g in grads { for i in grad.indices { grad[i] += g[i] } }
        return grad
    }

    private func backward(_ a: Shard, logitGradient dlogits: UnsafePointer<S>) -> [S] {
        let c = configuration, d = c.width, h = c.hiddenWidth, V = c.vocabularySize, N = a.packing.rowCount, R = a.readRows.count
        let heads = CausalSelfAttention.Heads(c)
        var grad = [S](repeating: 0, count: parameters.count)
        parameters.withUnsafeBufferPointer { pb in
            grad.withUnsafeMutableBufferPointer { gb in
                let P = pb.baseAddress!, G = gb.baseAddress!
                // Head (tied to the token embedding) and final LayerNorm, on the read-out rows; the others get no gradient there.
                var dlnf = [S](repeating: 0, count: R * d)
                S.gemm(transposeA: false, transposeB: false, m: R, n: d, k: V, alpha: 1, a: dlogits, lda: V,
                       b: P + layout.tokenEmbedding.offset, ldb: d, beta: 0, c: &dlnf, ldc: d)
                S.gemm(transposeA: true, transposeB: false, m: V, n: d, k: R, alpha: 1, a: dlogits, lda: V,
                       b: a.lnf, ldb: d, beta: 1, c: G + layout.tokenEmbedding.offset, ldc: d)
                var dread = [S](repeating: 0, count: R * d)
                LayerNorm.backward(dlnf, input: a.final, weight: P + layout.finalLayerNormWeight.offset, mean: a.lnfMean,
                                   rstd: a.lnfRstd, rows: R, width: d, dx: &dread,
                                   dg: G + layout.finalLayerNormWeight.offset, db: G + layout.finalLayerNormBias.offset)
                var dx = R == N ? dread : [S](repeating: 0, count: N * d)
                if R < N { for (i, r) in a.readRows.enumerated() { for k in 0..<d { dx[r * d + k] = dread[i * d + k] } } }
                var scratch = [S](repeating: 0, count: a.packing.longest * a.packing.longest)
                for (blk, s) in zip(layout.blocks, a.blocks).reversed() {
                    // MLP: x'' = x' + FcProj(GELU(Fc(LN2(x')))); dx holds dL/dx''.
                    var dgelu = [S](repeating: 0, count: N * h), dfc = [S](repeating: 0, count: N * h)
                    var dbranch = dx  // copied only when a mask applies
                    Dropout.apply(s.mlpMask, to: &dbranch)
                    Linear.backward(dbranch, input: s.gelu, weight: P + blk.fcProjectionWeight.offset, rows: N, inputs: h, outputs: d,
                                    dx: &dgelu, dw: G + blk.fcProjectionWeight.offset, db: G + blk.fcProjectionBias.offset)
                    GELU.backward(dgelu, input: s.fc, tanh: s.geluTanh, count: N * h, dx: &dfc)
                    var dln2 = [S](repeating: 0, count: N * d)
                    Linear.backward(dfc, input: s.ln2, weight: P + blk.fcWeight.offset, rows: N, inputs: d, outputs: h,
                                    dx: &dln2, dw: G + blk.fcWeight.offset, db: G + blk.fcBias.offset)
                    LayerNorm.backward(dln2, input: s.middle, weight: P + blk.ln2Weight.offset, mean: s.ln2Mean, rstd: s.ln2Rstd,
                                       rows: N, width: d, dx: &dx, dg: G + blk.ln2Weight.offset, db: G + blk.ln2Bias.offset)
                    // Attention: x' = x + Proj(Attn(LN1(x))); dx now holds dL/dx'.
                    var dattention = [S](repeating: 0, count: N * d)
                    dbranch = dx
                    Dropout.apply(s.attentionMask, to: &dbranch)
                    Linear.backward(dbranch, input: s.attention, weight: P + blk.projectionWeight.offset, rows: N, inputs: d, outputs: d,
                                    dx: &dattention, dw: G + blk.projectionWeight.offset, db: G + blk.projectionBias.offset)
                    var dqkv = [S](repeating: 0, count: N * 3 * d)
                    CausalSelfAttention.backward(dattention, qkv: s.qkv, probabilities: s.probabilities, sequences: a.packing, heads: heads,
                                                 dqkv: &dqkv, scratch: &scratch)
                    var dln1 = [S](repeating: 0, count: N * d)
                    Linear.backward(dqkv, input: s.ln1, weight: P + blk.attentionWeight.offset, rows: N, inputs: d, outputs: 3 * d,
                                    dx: &dln1, dw: G + blk.attentionWeight.offset, db: G + blk.attentionBias.offset)
                    LayerNorm.backward(dln1, input: s.input, weight: P + blk.ln1Weight.offset, mean: s.ln1Mean, rstd: s.ln1Rstd,
                                       rows: N, width: d, dx: &dx, dg: G + blk.ln1Weight.offset, db: G + blk.ln1Bias.offset)
                }
                // Embeddings.
                Dropout.apply(a.embeddingMask, to: &dx)
                let positions = a.packing.positions
                for r in 0..<N {
                    let token = G + layout.tokenEmbedding.offset + Int(a.tokens[a.tokens.startIndex + r]) * d
                    let position = G + layout.positionEmbedding.offset + positions[r] * d
                    for i in 0..<d {
                        token[i] += dx[r * d + i]
                        position[i] += dx[r * d + i]
                    }
                }
            }
        }
        return grad
    }
}
