import Foundation
import HumorGym
import Policies
@testable import Transformer
import Stochastics
import Testing

@Suite struct TransformerCheckpointTests {
    let world = Fixtures.small

    func policy() throws -> TransformerPolicy {
        var c = TransformerConfiguration(vocabularySize: 1)
        c.contextLength = 24; c.width = 8; c.layers = 1; c.heads = 2; c.initializationSeed = 5
        var p = try TransformerPolicy(tokenizer: Tokenizer(vocabulary: world.vocabulary), configuration: c)
        p.sampling.topK = 7
        return p
    }

    @Test func saveAndLoadGiveTheSamePolicyAndTheSameBytes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try policy()
        let path = directory.appendingPathComponent("model.safetensors").path
        try original.save(to: path)
        let loaded = try TransformerPolicy(contentsOf: path)
        #expect(loaded.parameters == original.parameters)
        #expect(loaded.tokenizer == original.tokenizer && loaded.sampling == original.sampling)
        #expect(loaded.model.configuration == original.model.configuration)
        let p = world.prompts(.test)[0]
        #expect(loaded.logProbability(of: world.candidates[p][1], given: p) == original.logProbability(of: world.candidates[p][1], given: p))
        try loaded.save(to: path + ".again")
        #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: path + ".again"))
        // Saving over an existing file replaces it whole, leaving no temporary behind.
        try original.save(to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["model.safetensors", "model.safetensors.again"])
    }

    @Test func theLayoutIsStandardSafetensors() throws {
        let data = try policy().checkpoint()
        let n = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(n % 8 == 0)
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as! [String: Any]
        let wte = header["wte.weight"] as! [String: Any]
        #expect(wte["dtype"] as? String == "F32")
        #expect(wte["shape"] as? [Int] == [world.vocabulary.count + 3, 8])
        #expect((header["__metadata__"] as! [String: String])["format"] == "humorgym-transformer-2")
        #expect(data.count == 8 + n + 4 * (try policy()).parameters.count)
    }

    @Test func damagedCheckpointsAreClearErrors() throws {
        let data = try policy().checkpoint()
        func message(_ d: Data) -> String {
            do { _ = try TransformerPolicy(checkpoint: d, file: "m.safetensors"); return "no error" } catch { return "\(error)" }
        }
        #expect(message(data.prefix(5)).contains("m.safetensors: not a valid safetensors file"))
        #expect(message(data.prefix(data.count - 4)).contains("do not fit"))
        var badHeader = data
        badHeader[8] = UInt8(ascii: "x")
        #expect(message(badHeader).contains("the header is not a JSON object"))
        let other = try SafeTensors.encode([("w", SafeTensors.Tensor(shape: [1], values: [1]))], metadata: ["format": "x"])
        #expect(message(other).contains("not a HumorGym transformer checkpoint"))
        #expect(throws: HumorGymError.self) { try TransformerPolicy(contentsOf: "/nonexistent/model.safetensors") }
    }

    @Test func hostileCheckpointsAreErrorsNotCrashes() throws {
        func message(_ d: Data) -> String {
            do { _ = try TransformerPolicy(checkpoint: d, file: "h.safetensors"); return "no error" } catch { return "\(error)" }
        }
        // A header length past 2^63.
        #expect(message(Data(repeating: 0xff, count: 16)).contains("does not fit the file"))
        // A shape whose element count overflows.
        let huge = Data(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#.utf8)
        var file = Data()
        withUnsafeBytes(of: UInt64(huge.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(huge)
        #expect(message(file).contains("do not fit"))
        // NaN weights, and sampling settings out of range, in an otherwise valid checkpoint.
        var broken = try policy()
        broken.parameters[3] = .nan
        #expect(message(try broken.checkpoint()).contains("NaN or infinite"))
        var cold = try policy()
        cold.sampling.temperature = 0
        // Saving does not judge the settings; loading does.
        #expect(message(try cold.checkpoint()) == "h.safetensors: sampling: temperature: must be in 0.001...100.0, got 0.0")
    }
}
