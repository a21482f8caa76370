import Foundation
import LinearAlgebra
import Policies
import Transformer
import Testing

/// The transformer against PyTorch: logits, loss and every gradient for fixed weights, from
/// `scripts/transformer_reference.py` (float64 PyTorch; its output is committed, so no PyTorch is needed here).
@Suite struct TransformerReferenceTests {
    struct Reference: Decodable {
        struct Configuration: Decodable {
            let vocabularySize, contextLength, width, layers, heads, mlpRatio: Int
            let layerNormEpsilon: Double
        }
        let configuration: Configuration
        let batch, length: Int
        let tokens, targets: [Int32]
        let upstream, parameters, logits, gradient: [Double]
        let loss: Double
    }

    static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/transformer-reference.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    /// Runs the reference batch at precision S: logits, loss, gradient.
    func run<S: BLASScalar>(_: S.Type) throws -> (logits: [Double], loss: Double, gradient: [Double], layout: TransformerLayout) {
        let r = Self.reference, c = r.configuration
        var configuration = TransformerConfiguration(vocabularySize: c.vocabularySize)
        configuration.contextLength = c.contextLength; configuration.width = c.width; configuration.layers = c.layers
        configuration.heads = c.heads; configuration.mlpRatio = c.mlpRatio; configuration.layerNormEpsilon = c.layerNormEpsilon
        var model = try TransformerModel<S>(configuration)
        #expect(model.parameters.count == r.parameters.count)
        model.parameters = r.parameters.map { S($0) }
        let a = try model.forward(tokens: r.tokens, batch: r.batch, length: r.length)
        let upstream = r.upstream.map { S($0) }
        let values = NextTokenLogProbabilities.values(logits: a.logits, vocabulary: c.vocabularySize, targets: r.targets)
        let loss = zip(upstream, values).reduce(S(0)) { $0 + $1.0 * $1.1 }
        let dlogits = NextTokenLogProbabilities.logitGradient(logits: a.logits, vocabulary: c.vocabularySize, targets: r.targets, upstream: upstream)
        return (a.logits.map { Double($0) }, Double(loss), model.backward(a, logitGradient: dlogits).map { Double($0) }, model.layout)
    }

    /// max |a - b| / max |b| over a tensor.
    func relativeError(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
        let scale = b.map(abs).max() ?? 0
        return zip(a, b).map { abs($0 - $1) }.max()! / max(scale, 1e-300)
    }

    func compare(_ result: (logits: [Double], loss: Double, gradient: [Double], layout: TransformerLayout), tolerance: Double) {
        let r = Self.reference
        #expect(relativeError(result.logits[...], r.logits[...]) <= tolerance, "logits")
        #expect(abs(result.loss - r.loss) <= tolerance * abs(r.loss), "loss \(result.loss) vs \(r.loss)")
        for tensor in result.layout.tensors {
            let e = relativeError(result.gradient[tensor.range], r.gradient[tensor.range])
            #expect(e <= tolerance, "gradient of \(tensor.name): relative error \(e)")
        }
    }

    @Test func doublePrecisionMatchesPyTorch() throws { compare(try run(Double.self), tolerance: 1e-10) }

    @Test func singlePrecisionMatchesPyTorchWithin1e4() throws { compare(try run(Float.self), tolerance: 1e-4) }
}
