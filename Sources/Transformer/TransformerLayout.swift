/// Where each named tensor of a transformer lives in its one flat parameter buffer. Names follow GPT-2
/// ("h.0.attn.c_attn.weight"), so checkpoints read like any other; matrices are stored [in, out], row-major.
public struct TransformerLayout: Sendable, Equatable {
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let shape: [Int]
        public var count: Int { shape.reduce(1, *) }
        public var range: Range<Int> { offset..<offset + count }
    }

    /// The tensors of one block.
    public struct Block: Sendable, Equatable {
        public let ln1Weight, ln1Bias, attentionWeight, attentionBias, projectionWeight, projectionBias: Tensor
        public let ln2Weight, ln2Bias, fcWeight, fcBias, fcProjectionWeight, fcProjectionBias: Tensor
    }

    public let tokenEmbedding: Tensor
    public let positionEmbedding: Tensor
    public let blocks: [Block]
    public let finalLayerNormWeight: Tensor
    public let finalLayerNormBias: Tensor
    /// Every tensor in storage order.
    public let tensors: [Tensor]
    public var parameterCount: Int { tensors.last.map { $0.offset + $0.count } ?? 0 }

    public init(_ c: TransformerConfiguration) {
        var tensors: [Tensor] = []
        func add(_ name: String, _ shape: [Int]) -> Tensor {
            let t = Tensor(name: name, offset: tensors.last.map { $0.offset + $0.count } ?? 0, shape: shape)
            tensors.append(t)
            return t
        }
        let d = c.width, h = c.hiddenWidth
        tokenEmbedding = add("wte.weight", [c.vocabularySize, d])  // also the output head (tied)
        positionEmbedding = add("wpe.weight", [c.contextLength, d])
        blocks = (0..<c.layers).map { i in
            let p = "h.\(i)."
            return Block(
                ln1Weight: add(p + "ln_1.weight", [d]), ln1Bias: add(p + "ln_1.bias", [d]),
                attentionWeight: add(p + "attn.c_attn.weight", [d, 3 * d]), attentionBias: add(p + "attn.c_attn.bias", [3 * d]),
                projectionWeight: add(p + "attn.c_proj.weight", [d, d]), projectionBias: add(p + "attn.c_proj.bias", [d]),
                ln2Weight: add(p + "ln_2.weight", [d]), ln2Bias: add(p + "ln_2.bias", [d]),
                fcWeight: add(p + "mlp.c_fc.weight", [d, h]), fcBias: add(p + "mlp.c_fc.bias", [h]),
                fcProjectionWeight: add(p + "mlp.c_proj.weight", [h, d]), fcProjectionBias: add(p + "mlp.c_proj.bias", [d]))
        }
        finalLayerNormWeight = add("ln_f.weight", [d])
        finalLayerNormBias = add("ln_f.bias", [d])
        self.tensors = tensors
    }
}
