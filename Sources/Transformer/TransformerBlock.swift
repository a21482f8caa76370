import LinearAlgebra

/// The forward arithmetic written once for every caller: the training pass (all rows of a shard, keeping
/// what the backward pass needs), prefill (the same pass) and cached decoding (one new row per sequence).
/// Only attention differs between them, so a block takes it as a function of the rows' qkv.
extension TransformerModel {
    /// x = W_te[token] + W_pe[position] for each row; `position` maps a row's index to its position.
    func embed(_ tokens: ArraySlice<Int32>, position positionOf: (Int) -> Int, parameters P: UnsafePointer<S>) -> [S] {
        let d = configuration.width
        var x = [S](repeating: 0, count: tokens.count * d)
        for (r, t) in tokens.enumerated() {
            let token = P + layout.tokenEmbedding.offset + Int(t) * d, position = P + layout.positionEmbedding.offset + positionOf(r) * d
            for i in 0..<d { x[r * d + i] = token[i] + position[i] }
        }
        return x
    }

    /// Block l on N rows x [N, d], in place:
    ///     x' = x + m_a * Proj(attend(Qkv(LN1(x)))),   x'' = x' + m_f * FcProj(GELU(Fc(LN2(x')))),
    /// with m_a, m_f the dropout masks (empty: none). `attend` writes the heads' outputs [N, d] from the
    /// rows' qkv [N, 3d] and returns what the backward pass needs of it (the probabilities; nothing when decoding).
    func block(_ l: Int, _ x: inout [S], rows N: Int, masks: (attention: [S], mlp: [S]) = ([], []), parameters P: UnsafePointer<S>,
               attend: (_ qkv: [S], _ output: inout [S]) -> [S]) -> BlockActivations {
        let d = configuration.width, h = configuration.hiddenWidth, blk = layout.blocks[l]
        let input = x, ln1 = normalise(x, blk.ln1Weight, blk.ln1Bias, rows: N, parameters: P)
        var qkv = [S](repeating: 0, count: N * 3 * d), attention = [S](repeating: 0, count: N * d), projected = attention
        Linear.forward(ln1.output, weight: P + blk.attentionWeight.offset, bias: P + blk.attentionBias.offset,
                       rows: N, inputs: d, outputs: 3 * d, output: &qkv)
        let probabilities = attend(qkv, &attention)
        Linear.forward(attention, weight: P + blk.projectionWeight.offset, bias: P + blk.projectionBias.offset,
                       rows: N, inputs: d, outputs: d, output: &projected)
        Dropout.apply(masks.attention, to: &projected)
        for i in 0..<(N * d) { x[i] += projected[i] }
        let middle = x, ln2 = normalise(x, blk.ln2Weight, blk.ln2Bias, rows: N, parameters: P)
        var fc = [S](repeating: 0, count: N * h), gelu = fc, geluTanh = fc
        Linear.forward(ln2.output, weight: P + blk.fcWeight.offset, bias: P + blk.fcBias.offset, rows: N, inputs: d, outputs: h, output: &fc)
        GELU.forward(fc, count: N * h, output: &gelu, tanh: &geluTanh)
        Linear.forward(gelu, weight: P + blk.fcProjectionWeight.offset, bias: P + blk.fcProjectionBias.offset,
                       rows: N, inputs: h, outputs: d, output: &projected)
        Dropout.apply(masks.mlp, to: &projected)
        for i in 0..<(N * d) { x[i] += projected[i] }
        return BlockActivations(
            input: input, ln1: ln1.output, ln1Mean: ln1.mean, ln1Rstd: ln1.rstd, qkv: qkv, probabilities: probabilities,
            attention: attention, middle: middle, ln2: ln2.output, ln2Mean: ln2.mean, ln2Rstd: ln2.rstd,
            fc: fc, gelu: gelu, geluTanh: geluTanh, attentionMask: masks.attention, mlpMask: masks.mlp)
    }

    /// logits = LNf(x) W_te^T into `logits` [N, vocabulary]; returns the LayerNorm's output, mean and rstd.
    func head(_ x: [S], rows N: Int, parameters P: UnsafePointer<S>, logits: UnsafeMutablePointer<S>) -> (output: [S], mean: [S], rstd: [S]) {
        let d = configuration.width
        let lnf = normalise(x, layout.finalLayerNormWeight, layout.finalLayerNormBias, rows: N, parameters: P)
        S.gemm(transposeA: false, transposeB: true, m: N, n: configuration.vocabularySize, k: d, alpha: 1, a: lnf.output, lda: d,
               b: P + layout.tokenEmbedding.offset, ldb: d, beta: 0, c: logits, ldc: configuration.vocabularySize)
        return lnf
    }

    /// LayerNorm of the rows x [N, d] by one layer's weight and bias, with the mean and rstd its backward pass needs.
    private func normalise(_ x: [S], _ weight: TransformerLayout.Tensor, _ bias: TransformerLayout.Tensor, rows N: Int,
                           parameters P: UnsafePointer<S>) -> (output: [S], mean: [S], rstd: [S]) {
        let d = configuration.width
        var y = [S](repeating: 0, count: N * d), mean = [S](repeating: 0, count: N), rstd = mean
        LayerNorm.forward(x, weight: P + weight.offset, bias: P + bias.offset, rows: N, width: d,
                          epsilon: S(configuration.layerNormEpsilon), output: &y, mean: &mean, rstd: &rstd)
        return (y, mean, rstd)
    }
}
