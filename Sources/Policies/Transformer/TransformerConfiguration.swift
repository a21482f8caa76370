/// The shape of a decoder-only transformer student (GPT-2 style, pre-LayerNorm).
public struct TransformerConfiguration: Sendable, Equatable, Codable {
    public var vocabularySize: Int
    /// Longest sequence (prompt and response together) the position embeddings cover.
    public var contextLength = 64
    public var width = 128
    public var layers = 4
    public var heads = 4
    /// Hidden width of each MLP, as a multiple of `width`.
    public var mlpRatio = 4
    public var layerNormEpsilon = 1e-5
    /// The probability of zeroing an activation in training passes (``Dropout``); 0 turns it off.
    public var dropout = 0.0
    /// Seeds the initial weights.
    public var initializationSeed: UInt64 = 0

    public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }

    public var headWidth: Int { width / heads }
    public var hiddenWidth: Int { width * mlpRatio }

    /// A clear error for a shape the model cannot have.
    public func validate() throws {
        // The same ranges as the policy files accept: a checkpoint's metadata must not allocate without bound.
        guard (1...10_000_000).contains(vocabularySize), (1...4096).contains(contextLength), (1...8192).contains(width),
              (0...128).contains(layers), (1...256).contains(heads), (1...64).contains(mlpRatio),
              layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
            throw TransformerError.invalidConfiguration("sizes out of range (vocabulary \(vocabularySize) in 1...10^7, context \(contextLength) in 1...4096, width \(width) in 1...8192, layers \(layers) in 0...128, heads \(heads) in 1...256, mlpRatio \(mlpRatio) in 1...64, epsilon \(layerNormEpsilon) > 0)")
        }
        guard dropout >= 0 && dropout < 1 else {
            throw TransformerError.invalidConfiguration("dropout \(dropout) is not in [0, 1)")
        }
        guard width % heads == 0 else {
            throw TransformerError.invalidConfiguration("width \(width) is not a multiple of heads \(heads)")
        }
    }
}

public enum TransformerError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case sequenceTooLong(length: Int, context: Int)
    case tokenOutOfRange(token: Int32, vocabulary: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): "transformer configuration: \(why)"
        case .sequenceTooLong(let length, let context): "a sequence of \(length) tokens exceeds the context length \(context)"
        case .tokenOutOfRange(let token, let vocabulary): "token \(token) is outside the vocabulary of \(vocabulary)"
        }
    }
}
