import GGUF

/// The shape of a Llama-architecture model, as its GGUF file's `llama.*` metadata states it.
public struct LlamaConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    /// d, the width of the residual stream.
    public var width: Int
    public var layers: Int
    /// Query heads, and key-value heads (fewer: grouped-query attention; each serves `heads / keyValueHeads`).
    public var heads: Int
    public var keyValueHeads: Int
    /// The SwiGLU MLP's hidden width.
    public var feedForward: Int
    public var contextLength: Int
    /// Rotary embeddings' base: pair i of a head turns by position x base^(-2i / headWidth).
    public var ropeBase: Double
    public var rmsEpsilon: Double

    public var headWidth: Int { width / heads }

    public init(vocabularySize: Int, width: Int, layers: Int, heads: Int, keyValueHeads: Int, feedForward: Int,
                contextLength: Int, ropeBase: Double = 10_000, rmsEpsilon: Double = 1e-5) {
        self.vocabularySize = vocabularySize
        self.width = width
        self.layers = layers
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.feedForward = feedForward
        self.contextLength = contextLength
        self.ropeBase = ropeBase
        self.rmsEpsilon = rmsEpsilon
    }

    /// From `llama.*` metadata; the vocabulary's size from the token embedding. A missing or inconsistent
    /// value is an error naming the key.
    public init(_ file: GGUFFile) throws {
        guard file["general.architecture"]?.string == "llama" else {
            throw GGUFError(file.path, "general.architecture is \(file["general.architecture"]?.description ?? "missing"), not llama")
        }
        func int(_ key: String) throws -> Int {
            guard let value = file["llama." + key]?.int, value > 0 else { throw GGUFError(file.path, "llama.\(key) is missing or not a positive integer") }
            return value
        }
        guard let embedding = file.tensor("token_embd.weight"), embedding.dimensions.count == 2 else {
            throw GGUFError(file.path, "no token_embd.weight matrix")
        }
        self.init(vocabularySize: embedding.dimensions[1], width: try int("embedding_length"), layers: try int("block_count"),
                  heads: try int("attention.head_count"), keyValueHeads: try int("attention.head_count_kv"),
                  feedForward: try int("feed_forward_length"), contextLength: try int("context_length"),
                  ropeBase: file["llama.rope.freq_base"]?.double ?? 10_000,
                  rmsEpsilon: file["llama.attention.layer_norm_rms_epsilon"]?.double ?? 1e-5)
        guard width % heads == 0, heads % keyValueHeads == 0, headWidth % 2 == 0 else {
            throw GGUFError(file.path, "\(heads) heads of \(width) (\(keyValueHeads) key-value heads) do not divide into even head widths")
        }
        if let rope = file["llama.rope.dimension_count"]?.int, rope != headWidth {
            throw GGUFError(file.path, "llama.rope.dimension_count \(rope) is not the head width \(headWidth); partial rotary embeddings are not supported")
        }
    }
}
