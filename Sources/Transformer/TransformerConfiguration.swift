import HumorGym

/// The shape of a decoder-only transformer student (GPT-2 style, pre-LayerNorm).
public struct TransformerConfiguration: Sendable, Equatable {
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

    /// A policy file's `model:` section, or a checkpoint's metadata; the vocabulary comes from the world's
    /// tokenizer. The ranges bound what a file can make the model allocate.
    public init(vocabularySize: Int, from source: some ParameterSource) throws {
        self.vocabularySize = vocabularySize
        contextLength = try source.int("context", default: contextLength, range: 4...4096)
        width = try source.int("width", default: width, range: 1...8192)
        layers = try source.int("layers", default: layers, range: 0...128)
        heads = try source.int("heads", default: heads, range: 1...256)
        if let problem = shapeProblem { throw source.problem("width", problem) }
        mlpRatio = try source.int("mlpRatio", default: mlpRatio, range: 1...64)
        dropout = try source.double("dropout", default: dropout, range: 0...0.95)
        layerNormEpsilon = try source.double("layerNormEpsilon", default: layerNormEpsilon, range: 1e-12...1)
        initializationSeed = try source.seed("seed", default: initializationSeed)
        try source.finish()
    }

    /// The settings as `init(from:)` reads them (a checkpoint's metadata).
    public var parameters: ParameterDictionary {
        ["context": .init(String(contextLength)), "width": .init(String(width)), "layers": .init(String(layers)),
         "heads": .init(String(heads)), "mlpRatio": .init(String(mlpRatio)), "dropout": .init("\(dropout)"),
         "layerNormEpsilon": .init("\(layerNormEpsilon)"),
         "seed": .init(String(initializationSeed))]
    }

    public var headWidth: Int { width / heads }
    public var hiddenWidth: Int { width * mlpRatio }

    /// Why the model cannot have this shape (nil when it can): the layout divides the width among the heads
    /// and every size must be positive. The ranges a file may ask for are in ``init(vocabularySize:from:)``.
    public var shapeProblem: String? {
        guard vocabularySize >= 1, contextLength >= 1, width >= 1, heads >= 1, layers >= 0, mlpRatio >= 1,
              layerNormEpsilon > 0, (0..<1).contains(dropout) else {
            return "sizes must be positive and dropout in [0, 1) (vocabulary \(vocabularySize), context \(contextLength), width \(width), heads \(heads), layers \(layers), mlpRatio \(mlpRatio), dropout \(dropout))"
        }
        return width % heads == 0 ? nil : "width \(width) must be a multiple of heads (\(heads))"
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
