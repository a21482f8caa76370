import Foundation
import GGUF
import Llama
import Stochastics
import Testing
import LinearAlgebra
import Transformer

/// The adapters' gradient: against finite differences in Double, against PyTorch's autograd on the same file
/// and adapters (scripts/llama_reference.py), and the same bits on any number of threads.
@Suite struct LlamaGradientTests {
    static let tiny = LlamaModelTests.resources.appendingPathComponent("tiny-llama.gguf").path

    /// A batch to score: each sequence's tokens but the last as input, the next tokens as targets, and a
    /// weight per target; L = sum_r w_r log p(target_r).
    struct Batch {
        var inputs: [Int32] = [], targets: [Int32] = [], weights: [Double] = [], lengths: [Int] = []

        init(_ sequences: [[Int32]], weights: [[Double]]) {
            for (s, w) in zip(sequences, weights) {
                inputs += s.dropLast()
                targets += s.dropFirst()
                self.weights += w
                lengths.append(s.count - 1)
            }
        }

        func loss<S: BLASScalar>(_ model: LlamaModel<S>, threads: Int = 1) throws -> (loss: Double, gradient: [S], logits: [S]) {
            let a = try model.forward(tokens: inputs, sequences: PackedSequences(lengths: lengths), threads: threads)
            let V = model.configuration.vocabularySize
            let values = NextTokenLogProbabilities.values(logits: a.logits, vocabulary: V, targets: targets)
            let dlogits = NextTokenLogProbabilities.logitGradient(logits: a.logits, vocabulary: V, targets: targets, upstream: weights.map { S($0) })
            return (zip(values, weights).reduce(0) { $0 + Double($1.0) * $1.1 }, model.backward(a, logitGradient: dlogits, threads: threads), a.logits)
        }
    }

    static let every = try! LoRAConfiguration(rank: 2, alpha: 6, targets: LlamaProjection.allCases)

    /// A model with adapters on every projection, A and B random (B is zero at the start of training, which
    /// would leave A without a gradient).
    static func adapted<S: BLASScalar>(_: S.Type, _ lora: LoRAConfiguration = every, seed: UInt64 = 7) throws -> LlamaModel<S> {
        var model = try LlamaModel<S>(GGUFFile(contentsOf: tiny))
        var adapters = LlamaModel<S>.Adapters(lora, model: model.configuration)
        let stream = RandomStream(seed: seed)
        adapters.parameters = adapters.parameters.map { _ in S(stream.gaussian(sigma: 0.3)) }
        model.adapters = adapters
        return model
    }

    static let batch = Batch([[1, 5, 9, 47, 0, 12, 33, 33], [3, 3, 8, 2, 40]],
                             weights: [[0.5, -1, 0.25, 1, 0.75, -0.5, 1], [1, 0.3, -0.8, 0.6]])

    /// Central differences on 48 parameters spread over every adapter's A and B of both layers, in Double.
    @Test func theGradientIsFiniteDifferences() throws {
        var model = try Self.adapted(Double.self)
        let (_, gradient, _) = try Self.batch.loss(model)
        let layout = model.adapters!.layout, h = 1e-5
        let probes = layout.adapters.joined().flatMap { [$0.a.lowerBound + 1, $0.b.upperBound - 2] }
            + layout.adapters[0].flatMap { [$0.a.upperBound - 1, $0.b.lowerBound + 3] }
        #expect(probes.count == 42)
        var worst = 0.0
        for i in probes {
            let base = model.adapters!.parameters[i]
            model.adapters!.parameters[i] = base + h
            let up = try Self.batch.loss(model).loss
            model.adapters!.parameters[i] = base - h
            let down = try Self.batch.loss(model).loss
            model.adapters!.parameters[i] = base
            let numeric = (up - down) / (2 * h)
            worst = max(worst, abs(numeric - gradient[i]) / max(1e-3, abs(numeric)))
        }
        #expect(worst < 1e-6, "largest relative error \(worst)")
        #expect(gradient.contains { $0 != 0 })
    }

    struct Reference: Decodable {
        struct Adapter: Decodable { var A: [Double]; var B: [Double] }
        struct Sequence: Decodable { var tokens: [Int32]; var weights: [Double]; var logits: [Double] }
        var rank: Int, alpha: Double, targets: [String]
        var layers: [[String: Adapter]], gradients: [[String: Adapter]]
        var sequences: [Sequence]
        var loss: Double
    }

    /// The adapters' values in the reference's layout, as one vector in `layout`'s.
    static func vector(_ adapters: [[String: Reference.Adapter]], _ layout: LoRALayout) -> [Double] {
        var p = [Double](repeating: 0, count: layout.parameterCount)
        for (l, layer) in layout.adapters.enumerated() {
            for adapter in layer {
                let values = adapters[l][String(adapter.projection.rawValue.prefix { $0 != "_" })]!
                p.replaceSubrange(adapter.a, with: values.A)
                p.replaceSubrange(adapter.b, with: values.B)
            }
        }
        return p
    }

    /// PyTorch's float64 autograd on the same file and adapters: logits, loss and every adapter's gradient
    /// agree to rounding.
    @Test func theGradientIsPyTorchs() throws {
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: LlamaModelTests.resources.appendingPathComponent("tiny-llama-lora.json")))
        #expect(reference.targets == ["q", "k", "v", "o", "gate", "up", "down"])
        let lora = try LoRAConfiguration(rank: reference.rank, alpha: reference.alpha, targets: LlamaProjection.allCases)
        var model = try LlamaModel<Double>(GGUFFile(contentsOf: Self.tiny))
        var adapters = LlamaModel<Double>.Adapters(lora, model: model.configuration)
        adapters.parameters = Self.vector(reference.layers, adapters.layout)
        model.adapters = adapters
        let batch = Batch(reference.sequences.map(\.tokens), weights: reference.sequences.map(\.weights))
        let (loss, gradient, _) = try batch.loss(model)
        #expect(abs(loss - reference.loss) < 1e-10 * max(1, abs(reference.loss)), "loss \(loss), PyTorch \(reference.loss)")
        for sequence in reference.sequences {
            let logits = try model.logits(sequence.tokens)
            #expect(zip(logits, sequence.logits).allSatisfy { abs($0 - $1) < 1e-10 * max(1, abs($1)) })
        }
        let expected = Self.vector(reference.gradients, adapters.layout)
        let worst = zip(gradient, expected).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(worst < 1e-10, "largest difference from PyTorch's gradient \(worst)")
    }

    /// 20 sequences make two shards: logits and gradient are the same bits on 1 and 2 threads, in Float.
    @Test func theBitsDoNotDependOnThreads() throws {
        let model = try Self.adapted(Float.self)
        let stream = RandomStream(seed: 3)
        let sequences = (0..<20).map { i in (0..<(4 + i % 9)).map { _ in Int32(stream.integer(below: 48)) } }
        let batch = Batch(sequences, weights: sequences.map { $0.dropFirst().map { _ in stream.uniform() - 0.5 } })
        let one = try batch.loss(model, threads: 1), two = try batch.loss(model, threads: 2)
        #expect(one.logits == two.logits && one.gradient == two.gradient)
        #expect(one.gradient.contains { $0 != 0 })
    }
}
