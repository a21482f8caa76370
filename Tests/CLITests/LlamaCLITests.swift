import Foundation
import Testing

/// The pretrained student through the commands, on a tiny random model with a real tokenizer
/// (Tests/LlamaTests/Resources/tiny-llama-chat.gguf): every learner trains it, and its results do not
/// depend on the threads.
@Suite struct LlamaCLITests {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LlamaTests/Resources/tiny-llama-chat.gguf").path

    static func cli() throws -> CLI {
        let cli = try CLI()
        try cli.write("tiny.yaml", """
            name: tiny
            world: {trainPrompts: 8, testPrompts: 4, oodPrompts: 4, candidatesPerPrompt: 8}
            """)
        try cli.write("llama-tiny.yaml", """
            name: llama-tiny
            kind: llama
            model: {file: \(model)}
            lora: {rank: 2, targets: [q_proj, v_proj, down_proj]}
            sampling: {maxResponseTokens: 8}
            optimizer: {learningRate: 0.01, batchSize: 4}
            warmStart: {epochs: 1}
            algorithms:
              rwr: {samples: 2, epochs: 1, feedbackEvery: 1}
              dpo: {samples: 2, epochs: 1, feedbackEvery: 1}
              sd: {samples: 2, epochs: 1, feedbackEvery: 1}
              brio: {samples: 2, epochs: 1, feedbackEvery: 1}
              brio-dpo: {brio: {epochs: 1, feedbackEvery: 1}}
            """)
        return cli
    }

    @Test func everyLearnerTrainsItOnAnyNumberOfThreads() async throws {
        let cli = try Self.cli()
        let args = ["compare", "--env", "tiny.yaml", "--policy", "llama-tiny.yaml", "--algorithms", "imitation,rwr,dpo,sd,brio,brio-dpo",
                    "--seeds", "1", "--curve-every", "0", "--quiet"]
        let one = try await cli.run(args + ["--out", "one", "--threads", "1"]), two = try await cli.run(args + ["--out", "two", "--threads", "2"])
        #expect(one.status == 0 && two.status == 0, "\(one.err)\(two.err)")
        #expect(try cli.contents("one/results.json") == cli.contents("two/results.json"))
        #expect(try cli.contents("one/samples.json") == cli.contents("two/samples.json"))
        let json = try JSONSerialization.jsonObject(with: cli.contents("one/results.json")) as! [String: Any]
        #expect((json["runs"] as! [Any]).count == 6)
    }

    @Test func sampleAndRunShowAndSaveIt() async throws {
        let cli = try Self.cli()
        let sample = try await cli.run(["sample", "--env", "tiny.yaml", "--policy", "llama-tiny.yaml", "--untrained", "--count", "1", "--samples", "2"])
        #expect(sample.status == 0 && sample.out.contains("student (untrained):") && sample.out.contains("student (warm start):"), "\(sample.err)")
        let run = try await cli.run(["run", "--env", "tiny.yaml", "--policy", "llama-tiny.yaml", "--algorithm", "imitation", "--checkpoint", "adapter"])
        #expect(run.status == 0, "\(run.err)")
        let config = try JSONSerialization.jsonObject(with: cli.contents("adapter/adapter_config.json")) as! [String: Any]
        #expect(config["r"] as? Int == 2 && config["target_modules"] as? [String] == ["q_proj", "v_proj", "down_proj"])
        #expect(try cli.contents("adapter/adapter_model.safetensors").count > 1000)
        // A model file that is not there is an error that names it.
        try cli.write("missing.yaml", "name: missing\nkind: llama\nmodel: {file: nowhere.gguf}\n")
        let missing = try await cli.run(["compare", "--env", "tiny.yaml", "--policy", "missing.yaml", "--seeds", "1"])
        #expect(missing.status != 0 && missing.err.contains("nowhere.gguf") && missing.err.contains("does not exist"), "\(missing.err)")
        try cli.write("beams.yaml", "name: beams\nkind: llama\nmodel: {file: \(Self.model)}\nsampling: {beams: 5}\n")
        let beams = try await cli.run(["compare", "--env", "tiny.yaml", "--policy", "beams.yaml", "--seeds", "1"])
        #expect(beams.status != 0 && beams.err.contains("beams"), "\(beams.err)")
    }
}
