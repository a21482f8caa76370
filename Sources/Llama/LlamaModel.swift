import Foundation
import GGUF
import LinearAlgebra
import Transformer

/// A Llama-architecture language model read from a GGUF file, its weights dequantised to `S` (Float to run,
/// Double for gradient checks): token embedding; per layer, x += Attention(RMSNorm(x)) and
/// x += SwiGLU(RMSNorm(x)); a final RMSNorm; the output head (the token embedding itself when the file has no
/// `output.weight`: tied).
///
/// - RMSNorm(x) = x / sqrt(mean(x^2) + eps) * g.
/// - Attention: q = h Wq^T, k = h Wk^T, v = h Wv^T; rotary embeddings on q and k as llama.cpp applies them to
///   a GGUF's weights (its converter permuted the query and key rows so that pairs are adjacent); query head j
///   reads key-value head j / (heads / keyValueHeads) (grouped-query attention); softmax(q k^T / sqrt(headWidth))
///   over earlier positions; the heads side by side, times Wo^T.
/// - SwiGLU: (silu(h Wgate^T) * (h Wup^T)) Wdown^T, silu(z) = z sigmoid(z).
/// - Any projection may carry a low-rank adapter (``LoRAConfiguration``): the base weights stay frozen and the
///   backward pass gives the adapters' gradient.
///
/// A GGUF matrix of dimensions [in, out] (ggml's order, the fastest first) is `out` rows of `in`: PyTorch's
/// `Linear.weight`, so every projection is one gemm with the weight transposed.
///
/// A batch runs in shards of whole sequences whose size depends only on the batch; the shards run on up to
/// `threads` threads (BLAS single-threaded) and their gradients are summed in shard order, so the results are
/// the same bits for any thread count. The public entry points are pre-specialised for Float and Double, so
/// callers in other modules run specialised arithmetic.
public struct LlamaModel<S: BLASScalar>: Sendable {
    public let configuration: LlamaConfiguration

    struct Layer: Sendable {
        var attentionNorm, feedForwardNorm: [S]
        /// The seven projections' weights, in ``LlamaProjection``'s order.
        var projections: [[S]]
        func weight(_ p: LlamaProjection) -> [S] { projections[p.index] }
    }

    let embedding: [S]
    let layers: [Layer]
    let outputNorm: [S]
    /// The output head, or nil: tied to the embedding.
    let head: [S]?

    /// The low-rank adapters and their values, or nil: the base model.
    public var adapters: Adapters?

    public struct Adapters: Sendable {
        public let layout: LoRALayout
        /// The trainable parameters, laid out as `layout` says.
        public var parameters: [S] { willSet { precondition(newValue.count == layout.parameterCount, "LoRA: \(newValue.count) parameters for \(layout.parameterCount)") } }

        /// The adapters `configuration` describes for `model`, at their initial values.
        public init(_ configuration: LoRAConfiguration, model: LlamaConfiguration) {
            layout = LoRALayout(configuration, model: model)
            parameters = layout.initialParameters()
        }
    }

    public init(_ file: GGUFFile) throws {
        let c = try LlamaConfiguration(file)
        configuration = c
        func weight(_ name: String, _ dimensions: [Int]) throws -> [S] {
            guard let tensor = file.tensor(name) else { throw GGUFError(file.path, "no tensor \(name)") }
            guard tensor.dimensions == dimensions else {
                throw GGUFError(file.path, "\(name) has dimensions \(tensor.dimensions); the configuration needs \(dimensions)")
            }
            let floats = file.floats(tensor)
            return S.self == Float.self ? floats as! [S] : floats.map(S.init)  // no second copy of a Float model
        }
        let ggufNames: [LlamaProjection: String] = [.query: "attn_q", .key: "attn_k", .value: "attn_v", .output: "attn_output",
                                                    .gate: "ffn_gate", .up: "ffn_up", .down: "ffn_down"]
        embedding = try weight("token_embd.weight", [c.width, c.vocabularySize])
        layers = try (0..<c.layers).map { i in
            Layer(attentionNorm: try weight("blk.\(i).attn_norm.weight", [c.width]),
                  feedForwardNorm: try weight("blk.\(i).ffn_norm.weight", [c.width]),
                  projections: try LlamaProjection.allCases.map { p in
                      let (inputs, outputs) = p.shape(c)
                      return try weight("blk.\(i).\(ggufNames[p]!).weight", [inputs, outputs])
                  })
        }
        outputNorm = try weight("output_norm.weight", [c.width])
        head = file.tensor("output.weight") == nil ? nil : try weight("output.weight", [c.width, c.vocabularySize])
    }

    /// The next-token logits at every position of `tokens` (positions 0...), row after row: tokens.count x vocabulary.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func logits(_ tokens: [Int32]) throws -> [S] {
        try forward(tokens: tokens, sequences: PackedSequences(lengths: [tokens.count]), forBackward: false).logits
    }

    /// What a forward pass keeps for the backward pass; `logits` is [readOut.rowCount, vocabulary], the read-out
    /// rows of the sequences packed.
    public struct Activations: Sendable {
        /// The rows whose logits were read out: the last `readOut.lengths[b]` rows of each sequence b.
        public let readOut: PackedSequences
        let shards: [ShardActivations]
        public let logits: [S]
    }

    /// Checks that every token is in the vocabulary and every sequence within the context.
    func check(_ tokens: [Int32], longest: Int) throws {
        let c = configuration
        guard longest <= c.contextLength else { throw GGUFError("llama", "a sequence of \(longest) tokens: the context holds \(c.contextLength)") }
        if let bad = tokens.first(where: { !(0..<Int32(c.vocabularySize)).contains($0) }) {
            throw GGUFError("llama", "token \(bad) is outside the vocabulary of \(c.vocabularySize)")
        }
    }

    /// Consecutive sequences of a batch that run together: about 256 rows, at most 16 sequences (decoding's
    /// one row each) and at least one. It depends on the batch alone, never on the threads.
    static func shards(_ lengths: [Int]) -> [Range<Int>] {
        let perShard = min(16, max(1, 256 / max(1, lengths.max() ?? 1)))
        return stride(from: 0, to: lengths.count, by: perShard).map { $0..<min($0 + perShard, lengths.count) }
    }

    /// Runs the sequences packed in `tokens` as `sequences` lays them out, each from position 0, and reads out
    /// the logits of the last `readingOut[b]` rows of each sequence b (nil: all rows): a row no target needs
    /// costs no output head. `forBackward: false` keeps only the logits (a batch scored, not trained, holds a
    /// shard's activations at a time instead of the whole batch's).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward(tokens: [Int32], sequences: PackedSequences, readingOut: [Int]? = nil, threads: Int = 1,
                        forBackward: Bool = true) throws -> Activations {
        precondition(tokens.count == sequences.rowCount, "forward: \(tokens.count) tokens for \(sequences.rowCount) rows")
        try check(tokens, longest: sequences.longest)
        let readOut = PackedSequences(lengths: readingOut ?? sequences.lengths)
        precondition(zip(readOut.lengths, sequences.lengths).allSatisfy(<=), "forward: a sequence reads out more rows than it has")
        let ranges = Self.shards(sequences.lengths)
        let shards = Parallel.map(ranges.count, threads: threads) { i in
            let packing = sequences.slice(ranges[i]), first = sequences.rows(ranges[i].lowerBound).lowerBound
            let readRows = ranges[i].enumerated().flatMap { j, b in (packing.rows(j).upperBound - readOut.lengths[b])..<packing.rows(j).upperBound }
            return forward(Array(tokens[first..<first + packing.rowCount]), packing: packing, positions: packing.positions, readRows: readRows,
                           cache: nil, keep: forBackward)
        }
        // The logits once, in the batch's order; the shards keep the rest.
        return Activations(readOut: readOut, shards: shards.map { var s = $0; s.logits = []; return s }, logits: shards.flatMap(\.logits))
    }

    /// The gradient of a loss with respect to the adapters' parameters, given dLoss/dlogits
    /// ([readOut.rowCount, vocabulary]); the base weights are frozen.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward(_ a: Activations, logitGradient dlogits: [S], threads: Int = 1) -> [S] {
        guard let adapters else { preconditionFailure("backward: the model has no adapters to train") }
        precondition(a.shards.allSatisfy { $0.layers.count == configuration.layers }, "backward: the forward pass kept no activations")
        let V = configuration.vocabularySize
        precondition(dlogits.count == a.readOut.rowCount * V, "backward: logit gradient has the wrong size")
        var ends = [0]
        for s in a.shards { ends.append(ends.last! + s.readRows.count * V) }
        let offsets = ends
        let grads = Parallel.map(a.shards.count, threads: threads) { i in
            backward(a.shards[i], logitGradient: dlogits[offsets[i]..<offsets[i + 1]], adapters: adapters)
        }
        var grad = grads.first ?? [S](repeating: 0, count: adapters.layout.parameterCount)  // an empty batch has no shard
        for g in grads.dropFirst() { for i in grad.indices { grad[i] += g[i] } }
        return grad
    }
}
