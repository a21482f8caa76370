import Foundation
import HumorGym
import LinearAlgebra
import Policies
import Transformer
import Stochastics

/// The transformer training step, timed beside PyTorch's (benchmarks/pytorch_step.py) at the
/// same thread count: d_model 128, 4 layers, 4 heads, context 64, vocabulary 1024, batch 32; one step is
/// forward, cross-entropy on every position, backward and AdamW.
enum TransformerStep {
    struct Result { let threads: Int; let millisecondsPerStep: Double; let tokensPerSecond: Double }

    static let configuration: TransformerConfiguration = {
        var c = TransformerConfiguration(vocabularySize: 1024)
        c.contextLength = 64; c.width = 128; c.layers = 4; c.heads = 4
        return c
    }()
    static let batch = 32

    /// The batch's shards run on `threads` threads, OpenBLAS single-threaded inside each.
    static func run(threads: Int, steps: Int) throws -> Result {
        BLAS.setThreadCount(1)
        let c = configuration, tokens = batch * c.contextLength
        var model = try TransformerModel<Float>(c)
        var adam = Adam<Float>(learningRate: 1e-3)
        adam.weightDecay = 0.01
        let stream = RandomStream(seed: 1)
        let input = (0..<tokens).map { _ in Int32(stream.integer(below: c.vocabularySize)) }
        let targets = (0..<tokens).map { _ in Int32(stream.integer(below: c.vocabularySize)) }
        let weights = [Float](repeating: -1 / Float(tokens), count: tokens)  // mean cross-entropy
        func step() throws {
            let a = try model.forward(tokens: input, batch: batch, length: c.contextLength, threads: threads)
            let dlogits = NextTokenLogProbabilities.logitGradient(logits: a.logits, vocabulary: c.vocabularySize, targets: targets, upstream: weights)
            let gradient = model.backward(a, logitGradient: dlogits, threads: threads)
            adam.step(&model.parameters, gradient: gradient, norm: Adam<Float>.norm(gradient))
        }
        for _ in 0..<2 { try step() }
        let clock = ContinuousClock()
        let elapsed = try clock.measure { for _ in 0..<steps { try step() } }
        let seconds = HumorGymBenchmarks.seconds(elapsed) / Double(steps)
        return Result(threads: threads, millisecondsPerStep: 1000 * seconds, tokensPerSecond: Double(tokens) / seconds)
    }

    /// Training FLOPs per step, PaLM's estimate: 6 N + 12 L T d per token, N the non-embedding parameters
    /// plus the (tied) output head.
    static var flopsPerStep: Double {
        let c = configuration, d = Double(c.width), L = Double(c.layers), T = Double(c.contextLength)
        let perBlock = d * 3 * d + d * d + 2 * d * Double(c.hiddenWidth)
        let n = L * perBlock + Double(c.vocabularySize) * d
        return (6 * n + 12 * L * T * d) * Double(batch) * T
    }

    /// OpenBLAS's own sgemm rate on this machine: n x n x n, best of several.
    static func sgemmGFLOPs(threads: Int, n: Int = 512) -> Double {
        BLAS.setThreadCount(threads)
        let a = [Float](repeating: 0.5, count: n * n), b = a
        var c = a
        var best = Double.infinity
        for _ in 0..<5 {
            let t = ContinuousClock().measure {
                Float.gemm(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n, beta: 0, c: &c, ldc: n)
            }
            best = min(best, HumorGymBenchmarks.seconds(t))
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    /// PyTorch's step at `threads`, by running benchmarks/pytorch_step.py; nil (with the reason) when no
    /// Python with torch is found (.venv/bin/python first, then python3).
    static func pytorch(threads: Int, steps: Int) -> (Result?, String) {
        guard let json = PythonPeer.run("benchmarks/pytorch_step.py", ["\(threads)", "\(steps)"]),
              let ms = json["ms_per_step"] as? Double, let tps = json["tokens_per_second"] as? Double else {
            return (nil, "PyTorch not available (pip install torch into .venv to compare)")
        }
        return (Result(threads: threads, millisecondsPerStep: ms, tokensPerSecond: tps), "torch \(json["torch"] ?? "?")")
    }

}
