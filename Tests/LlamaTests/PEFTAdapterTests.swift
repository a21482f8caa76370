import Foundation
import GGUF
import Llama
import Testing
import Transformer

/// Adapters in PEFT's layout, against a folder PEFT itself saved (scripts/llama_reference.py): PEFT's adapters
/// on the Hugging Face model gave the same logits as these adapters on the GGUF, so reading its folder must
/// give these values (q and k's rows permuted back into the GGUF's order), and writing them must give PEFT's tensors.
@Suite struct PEFTAdapterTests {
    static let peft = LlamaModelTests.resources.appendingPathComponent("tiny-llama-peft").path

    static func reference() throws -> (LlamaGradientTests.Reference, LlamaConfiguration) {
        let reference = try JSONDecoder().decode(LlamaGradientTests.Reference.self,
                                                 from: Data(contentsOf: LlamaModelTests.resources.appendingPathComponent("tiny-llama-lora.json")))
        return (reference, try LlamaConfiguration(GGUFFile(contentsOf: LlamaGradientTests.tiny)))
    }

    @Test func readingPEFTsFolderGivesTheGGUFLayout() throws {
        let (reference, model) = try Self.reference()
        let (configuration, parameters) = try PEFTAdapter.read(from: Self.peft, model: model)
        #expect(try configuration == LoRAConfiguration(rank: 4, alpha: 8, targets: LlamaProjection.allCases))
        let expected = LlamaGradientTests.vector(reference.layers, LoRALayout(configuration, model: model))
        #expect(parameters == expected.map(Float.init))
    }

    @Test func writingGivesPEFTsTensors() throws {
        let (reference, model) = try Self.reference()
        let layout = LoRALayout(try LoRAConfiguration(rank: 4, alpha: 8, targets: LlamaProjection.allCases), model: model)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("peft-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try PEFTAdapter.write(LlamaGradientTests.vector(reference.layers, layout).map(Float.init), layout: layout, model: model,
                              to: directory, baseModel: "HuggingFaceTB/SmolLM2-135M-Instruct")
        func tensors(_ folder: String) throws -> [String: SafeTensors.Tensor] {
            let path = folder + "/adapter_model.safetensors"
            return try SafeTensors.decode(Data(contentsOf: URL(fileURLWithPath: path)), file: path).tensors
        }
        let ours = try tensors(directory), theirs = try tensors(Self.peft)
        #expect(ours.count == 28 && ours == theirs)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/adapter_config.json"))) as! [String: Any]
        #expect(config["peft_type"] as? String == "LORA" && config["r"] as? Int == 4 && config["lora_alpha"] as? Double == 8)
        #expect(config["target_modules"] as? [String] == LlamaProjection.allCases.map(\.rawValue))
        // And back again.
        #expect(try PEFTAdapter.read(from: directory, model: model).parameters == LlamaGradientTests.vector(reference.layers, layout).map(Float.init))
    }

    /// A folder these adapters cannot stand for is refused, naming the file and what is wrong.
    @Test func unsupportedFoldersAreRefused() throws {
        let (_, model) = try Self.reference()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("peft-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.peft + "/adapter_model.safetensors", toPath: directory + "/adapter_model.safetensors")
        func refusal(_ config: String) -> String {
            try! config.write(toFile: directory + "/adapter_config.json", atomically: true, encoding: .utf8)
            do { _ = try PEFTAdapter.read(from: directory, model: model); return "read" } catch { return "\(error)" }
        }
        let all = #""target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]"#
        #expect(refusal(#"{"peft_type": "LORA", "r": 4, "lora_alpha": 8, \#(all), "use_dora": true}"#).contains("use_dora"))
        #expect(refusal(#"{"peft_type": "PREFIX_TUNING"}"#).contains("not LORA"))
        #expect(refusal(#"{"peft_type": "LORA", "r": 2, "lora_alpha": 8, \#(all)}"#).contains("needs [2, 32]"))
        #expect(refusal(#"{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "lm_head"]}"#).contains("lm_head"))
        #expect(refusal(#"{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj"]}"#).contains("down_proj.lora_A.weight is not an adapter"))
        #expect(refusal(#"{"peft_type": "LORA", "r": 4, "lora_alpha": 8, \#(all)}"#) == "read")
    }
}
