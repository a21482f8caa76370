import HumorGym
import LinearAlgebra
import Stochastics

/// The seven projections of a Llama layer, by the names PEFT's `target_modules` uses.
public enum LlamaProjection: String, CaseIterable, Sendable, Codable {
    case query = "q_proj", key = "k_proj", value = "v_proj", output = "o_proj", gate = "gate_proj", up = "up_proj", down = "down_proj"

    /// (inputs, outputs) of the projection's weight, `outputs` rows of `inputs`.
    func shape(_ c: LlamaConfiguration) -> (inputs: Int, outputs: Int) {
        let kv = c.keyValueHeads * c.headWidth
        switch self {
        case .query, .output: return (c.width, c.width)
        case .key, .value: return (c.width, kv)
        case .gate, .up: return (c.width, c.feedForward)
        case .down: return (c.feedForward, c.width)
        }
    }

    /// Its place among the seven: where a layer keeps its weight and its adapter's x A^T.
    var index: Int { Self.allCases.firstIndex(of: self)! }

    /// Where Hugging Face's Llama keeps it, under `model.layers.L.`.
    var module: String { self == .gate || self == .up || self == .down ? "mlp" : "self_attn" }

    /// The projections PEFT's `names` name, once each in this type's order, or the problem with them.
    static func parse(_ names: [String]) -> Result<[LlamaProjection], HumorGymError> {
        if let unknown = names.first(where: { LlamaProjection(rawValue: $0) == nil }) {
            return .failure(HumorGymError("'\(unknown)' is not a projection (\(allCases.map(\.rawValue).joined(separator: ", ")))"))
        }
        return .success(allCases.filter { names.contains($0.rawValue) })
    }
}

/// Low-rank adapters (Hu et al., 2021, "LoRA: Low-Rank Adaptation of Large Language Models"): each target
/// projection W [out, in] of every layer becomes
///     y = x W^T + (alpha / r) (x A^T) B^T,   A [r, in], B [out, r],
/// with W frozen and A, B the trainable parameters. B starts at zero, so the adapted model starts as the base
/// model; A starts as PEFT's does, uniform in +-1/sqrt(in) (Kaiming-uniform with a = sqrt(5)), from `seed`.
public struct LoRAConfiguration: Sendable, Equatable {
    /// r, the adapters' rank, in `ranks`.
    public private(set) var rank = 8
    public static let ranks = 1...1024
    /// alpha: the update is scaled by alpha / r, so a change of rank keeps its size; in `alphas`.
    public private(set) var alpha = 16.0
    public static let alphas = 1e-6...1e6
    /// The projections adapted in every layer, at least one, each once, in ``LlamaProjection``'s order (the
    /// order the parameters lie in).
    public private(set) var targets: [LlamaProjection] = [.query, .key, .value, .output]
    /// A's initial values.
    public private(set) var seed: UInt64 = 0

    /// The defaults.
    public init() {}

    /// - Throws: a rank or alpha outside its range, or no target; targets are kept once each, in order.
    public init(rank: Int, alpha: Double, targets: [LlamaProjection], seed: UInt64 = 0) throws {
        guard Self.ranks.contains(rank), Self.alphas.contains(alpha) else {
            throw HumorGymError("LoRA needs a rank in \(Self.ranks) and alpha in \(Self.alphas), not \(rank) and \(alpha)")
        }
        self.targets = LlamaProjection.allCases.filter(targets.contains)
        guard !self.targets.isEmpty else { throw HumorGymError("LoRA needs at least one target projection") }
        self.rank = rank
        self.alpha = alpha
        self.seed = seed
    }

    /// A policy file's `lora:` section.
    public init(from source: some ParameterSource) throws {
        let defaults = LoRAConfiguration()
        let rank = try source.int("rank", default: defaults.rank, range: Self.ranks)
        let alpha = try source.double("alpha", default: defaults.alpha, range: Self.alphas)
        let targets = try LlamaProjection.parse(try source.strings("targets", default: defaults.targets.map(\.rawValue)))
            .mapError { source.problem("targets", $0.message) }.get()
        if targets.isEmpty { throw source.problem("targets", "name at least one projection") }
        try self.init(rank: rank, alpha: alpha, targets: targets, seed: try source.seed("seed", default: defaults.seed))
        try source.finish()
    }

    /// alpha / r.
    public var scale: Double { alpha / Double(rank) }
}

/// The adapters of every layer as one vector: layer after layer, target after target in the configuration's
/// order, A [r, in] then B [out, r], each row-major. The rows of B for the query and key projections are in
/// the GGUF's order (see ``PEFTAdapter`` for Hugging Face's).
public struct LoRALayout: Sendable, Equatable {
    public struct Adapter: Sendable, Equatable {
        public let projection: LlamaProjection
        public let inputs: Int, outputs: Int
        /// Where A and B lie in the parameter vector.
        public let a: Range<Int>, b: Range<Int>
    }

    public let configuration: LoRAConfiguration
    /// adapters[layer][k] adapts configuration.targets[k].
    public let adapters: [[Adapter]]
    public let parameterCount: Int

    public init(_ lora: LoRAConfiguration, model c: LlamaConfiguration) {
        configuration = lora
        var offset = 0
        adapters = (0..<c.layers).map { _ in
            lora.targets.map { p in
                let (inputs, outputs) = p.shape(c)
                defer { offset += lora.rank * (inputs + outputs) }
                return Adapter(projection: p, inputs: inputs, outputs: outputs, a: offset..<offset + lora.rank * inputs,
                               b: offset + lora.rank * inputs..<offset + lora.rank * (inputs + outputs))
            }
        }
        parameterCount = offset
    }

    /// Layer `layer`'s adapter of `projection`, or nil when it is not a target.
    func adapter(_ layer: Int, _ projection: LlamaProjection) -> Adapter? { adapters[layer].first { $0.projection == projection } }

    /// The initial parameters: A uniform in +-1/sqrt(in) from the configuration's seed, B zero.
    public func initialParameters<S: BLASScalar>() -> [S] {
        var p = [S](repeating: 0, count: parameterCount)
        let stream = RandomStream(seed: configuration.seed)
        for adapter in adapters.joined() {
            let bound = 1 / Double(adapter.inputs).squareRoot()
            for i in adapter.a { p[i] = S((2 * stream.uniform() - 1) * bound) }
        }
        return p
    }
}
