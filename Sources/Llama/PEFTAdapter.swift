import Foundation
import HumorGym
import Transformer

/// LoRA adapters as Hugging Face's PEFT saves them: a folder with `adapter_model.safetensors` (tensors named
/// `base_model.model.model.layers.L.self_attn.q_proj.lora_A.weight`, A [r, in] and B [out, r], Float) and
/// `adapter_config.json` (`peft_type: LORA`, `r`, `lora_alpha`, `target_modules`), which
/// `PeftModel.from_pretrained` loads onto the Hugging Face model.
///
/// llama.cpp's converter permuted the rows of the query and key weights in the GGUF (each head's
/// [2, headWidth / 2] halves interleaved into adjacent pairs, so that its rotary embedding turns adjacent
/// pairs), and the adapters here live in that order; B's rows of q_proj and k_proj are put back in Hugging
/// Face's order on the way out, and permuted again on the way in. A's columns are the input's, never permuted.
public enum PEFTAdapter {
    static let tensors = "adapter_model.safetensors", config = "adapter_config.json"

    static func name(layer: Int, _ p: LlamaProjection, _ matrix: String) -> String {
        "base_model.model.model.layers.\(layer).\(p.module).\(p.rawValue).lora_\(matrix).weight"
    }

    /// Row `row` of a permuted projection's B in the GGUF's order: where Hugging Face's row `row` went.
    static func ggufRow(_ row: Int, headWidth: Int) -> Int {
        let head = row / headWidth, within = row % headWidth, half = headWidth / 2
        return head * headWidth + 2 * (within % half) + within / half
    }

    /// B of projection p ([outputs, r] row-major) in Hugging Face's row order (`toGGUF` false) or the GGUF's
    /// (true): only the query and key rows were permuted by the converter.
    static func reordered(_ b: [Float], _ p: LlamaProjection, rank r: Int, headWidth: Int, toGGUF: Bool) -> [Float] {
        guard p == .query || p == .key else { return b }
        var out = b
        for row in 0..<b.count / r {
            let (from, to) = toGGUF ? (row, ggufRow(row, headWidth: headWidth)) : (ggufRow(row, headWidth: headWidth), row)
            out.replaceSubrange(to * r..<(to + 1) * r, with: b[from * r..<(from + 1) * r])
        }
        return out
    }

    /// Writes `parameters` (laid out as `layout`) into the folder `directory`, created if missing.
    /// - Parameter baseModel: the Hugging Face model the adapters are for (`base_model_name_or_path`).
    public static func write(_ parameters: [Float], layout: LoRALayout, model c: LlamaConfiguration,
                                                     to directory: String, baseModel: String?) throws {
        precondition(parameters.count == layout.parameterCount, "PEFTAdapter: parameters and layout disagree")
        var tensors: [(name: String, tensor: SafeTensors.Tensor)] = []
        for (l, layer) in layout.adapters.enumerated() {
            for adapter in layer {
                let r = layout.configuration.rank
                let b = reordered(Array(parameters[adapter.b]), adapter.projection, rank: r, headWidth: c.headWidth, toGGUF: false)
                tensors.append((name(layer: l, adapter.projection, "A"), SafeTensors.Tensor(shape: [r, adapter.inputs], values: Array(parameters[adapter.a]))))
                tensors.append((name(layer: l, adapter.projection, "B"), SafeTensors.Tensor(shape: [adapter.outputs, r], values: b)))
            }
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try SafeTensors.writeAtomically(try SafeTensors.encode(tensors, metadata: ["format": "pt"]), to: directory + "/" + Self.tensors)
        let settings: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": layout.configuration.rank, "lora_alpha": layout.configuration.alpha,
            "target_modules": layout.configuration.targets.map(\.rawValue), "lora_dropout": 0.0, "bias": "none",
            "fan_in_fan_out": false, "use_rslora": false, "use_dora": false, "inference_mode": true,
            "base_model_name_or_path": baseModel.map { $0 as Any } ?? NSNull(),
        ]
        let json = try JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys])
        try SafeTensors.writeAtomically(json, to: directory + "/" + Self.config)
    }

    /// The adapters in the folder `directory`, for a model of shape `c`: their configuration (A's seed is
    /// irrelevant and left 0) and parameters in ``LoRALayout``'s order. Settings PEFT has but these adapters
    /// do not (DoRA, rsLoRA, per-layer ranks, biases) are refused by name, as is a tensor of the wrong shape.
    public static func read(from directory: String, model c: LlamaConfiguration) throws -> (configuration: LoRAConfiguration, parameters: [Float]) {
        let configPath = directory + "/" + Self.config, tensorPath = directory + "/" + Self.tensors
        func fail(_ path: String, _ why: String) -> HumorGymError { HumorGymError("\(path): \(why)") }
        guard let data = FileManager.default.contents(atPath: configPath) else { throw fail(configPath, "cannot read the adapter's configuration") }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw fail(configPath, "not a JSON object") }
        guard json["peft_type"] as? String == "LORA" else { throw fail(configPath, "peft_type is \(json["peft_type"] ?? "missing"), not LORA") }
        for flag in ["use_dora", "use_rslora", "fan_in_fan_out"] where json[flag] as? Bool == true {
            throw fail(configPath, "\(flag) is true; only plain LoRA adapters are supported")
        }
        for pattern in ["rank_pattern", "alpha_pattern"] where !((json[pattern] as? [String: Any])?.isEmpty ?? true) {
            throw fail(configPath, "\(pattern) gives layers ranks or scales of their own; only one rank and alpha are supported")
        }
        if let bias = json["bias"] as? String, bias != "none" { throw fail(configPath, "bias is \(bias); only bias: none is supported") }
        guard let rank = json["r"] as? Int, rank >= 1, let alpha = (json["lora_alpha"] as? NSNumber)?.doubleValue, alpha > 0 else {
            throw fail(configPath, "r must be a positive integer and lora_alpha a positive number")
        }
        guard let names = json["target_modules"] as? [String], !names.isEmpty else { throw fail(configPath, "target_modules must list projections") }
        let configuration: LoRAConfiguration
        do {
            configuration = try LoRAConfiguration(rank: rank, alpha: alpha, targets: LlamaProjection.parse(names).get())
        } catch let error as HumorGymError {
            throw fail(configPath, "target_modules, r or lora_alpha: \(error.message)")
        }
        guard let bytes = FileManager.default.contents(atPath: tensorPath) else { throw fail(tensorPath, "cannot read the adapter's tensors") }
        let tensors = try SafeTensors.decode(bytes, file: tensorPath).tensors
        let layout = LoRALayout(configuration, model: c)
        var parameters = [Float](repeating: 0, count: layout.parameterCount), expected = Set<String>()
        for (l, layer) in layout.adapters.enumerated() {
            for adapter in layer {
                for (matrix, shape, range) in [("A", [rank, adapter.inputs], adapter.a), ("B", [adapter.outputs, rank], adapter.b)] {
                    let key = name(layer: l, adapter.projection, matrix)
                    expected.insert(key)
                    guard let tensor = tensors[key] else { throw fail(tensorPath, "no tensor \(key)") }
                    guard tensor.shape == shape else { throw fail(tensorPath, "\(key) has shape \(tensor.shape); this model needs \(shape)") }
                    let values = tensor.values.map(Float.init)
                    parameters.replaceSubrange(range, with: matrix == "A" ? values
                        : reordered(values, adapter.projection, rank: rank, headWidth: c.headWidth, toGGUF: true))
                }
            }
        }
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw fail(tensorPath, "tensor \(extra) is not an adapter of this \(c.layers)-layer model's \(names.joined(separator: ", "))")
        }
        return (configuration, parameters)
    }
}
