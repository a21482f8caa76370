import Foundation
import GGUF
import LinearAlgebra

/// A Llama-architecture language model read from a GGUF file, its weights dequantised to Float: token
/// embedding; per layer, x += Attention(RMSNorm(x)) and x += SwiGLU(RMSNorm(x)); a final RMSNorm; the output
/// head (the token embedding itself when the file has no `output.weight`: tied).
///
/// - RMSNorm(x) = x / sqrt(mean(x^2) + eps) * g.
/// - Attention: q = h Wq^T, k = h Wk^T, v = h Wv^T; rotary embeddings on q and k as llama.cpp applies them to
///   a GGUF's weights (its converter permuted the query and key rows so that pairs are adjacent): pair
///   (2i, 2i + 1) of each head turned by position x base^(-2i / headWidth); query head j reads key-value head
///   j / (heads / keyValueHeads) (grouped-query attention); softmax(q k^T / sqrt(headWidth)) over earlier
///   positions; the heads side by side, times Wo^T.
/// - SwiGLU: (silu(h Wgate^T) * (h Wup^T)) Wdown^T, silu(z) = z sigmoid(z).
///
/// A GGUF matrix of dimensions [in, out] (ggml's order, the fastest first) is `out` rows of `in`: PyTorch's
/// `Linear.weight`, so every projection is one gemm with the weight transposed.
public struct LlamaModel: Sendable {
    public let configuration: LlamaConfiguration

    struct Layer: Sendable {
        var attentionNorm, query, key, value, output, feedForwardNorm, gate, up, down: [Float]
    }

    let embedding: [Float]
    let layers: [Layer]
    let outputNorm: [Float]
    /// The output head, or nil: tied to the embedding.
    let head: [Float]?

    public init(_ file: GGUFFile) throws {
        let c = try LlamaConfiguration(file)
        configuration = c
        let kv = c.keyValueHeads * c.headWidth
        func weight(_ name: String, _ dimensions: [Int]) throws -> [Float] {
            guard let tensor = file.tensor(name) else { throw GGUFError(file.path, "no tensor \(name)") }
            guard tensor.dimensions == dimensions else {
                throw GGUFError(file.path, "\(name) has dimensions \(tensor.dimensions); the configuration needs \(dimensions)")
            }
            return file.floats(tensor)
        }
        embedding = try weight("token_embd.weight", [c.width, c.vocabularySize])
        layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            return Layer(attentionNorm: try weight(p + "attn_norm.weight", [c.width]), query: try weight(p + "attn_q.weight", [c.width, c.width]),
                         key: try weight(p + "attn_k.weight", [c.width, kv]), value: try weight(p + "attn_v.weight", [c.width, kv]),
                         output: try weight(p + "attn_output.weight", [c.width, c.width]),
                         feedForwardNorm: try weight(p + "ffn_norm.weight", [c.width]),
                         gate: try weight(p + "ffn_gate.weight", [c.width, c.feedForward]), up: try weight(p + "ffn_up.weight", [c.width, c.feedForward]),
                         down: try weight(p + "ffn_down.weight", [c.feedForward, c.width]))
        }
        outputNorm = try weight("output_norm.weight", [c.width])
        head = file.tensor("output.weight") == nil ? nil : try weight("output.weight", [c.width, c.vocabularySize])
    }

    /// The next-token logits at every position of `tokens` (positions 0...), row after row: tokens.count x vocabulary.
    public func logits(_ tokens: [Int32]) throws -> [Float] {
        var cache = Cache(self)
        return try cache.append(tokens)
    }

    /// The keys and values of the positions read so far, layer by layer: sampling reads a prompt once, then one
    /// token a step, each attending to everything before it without computing it again. The logits are the
    /// same as reading the whole sequence at once, to float rounding.
    public struct Cache: Sendable {
        public let model: LlamaModel
        /// Positions read so far.
        public private(set) var count = 0
        /// Per layer, each position's rotated keys and its values (keyValueHeads x headWidth each).
        var keys: [[Float]], values: [[Float]]

        public init(_ model: LlamaModel) {
            self.model = model
            keys = Array(repeating: [], count: model.configuration.layers)
            values = keys
        }

        /// Reads `tokens` at the next positions; their next-token logits, row after row.
        public mutating func append(_ tokens: [Int32]) throws -> [Float] {
            let c = model.configuration
            guard !tokens.isEmpty, count + tokens.count <= c.contextLength else {
                throw GGUFError("llama", "\(count) + \(tokens.count) tokens: the context holds 1 to \(c.contextLength)")
            }
            if let bad = tokens.first(where: { !(0..<Int32(c.vocabularySize)).contains($0) }) {
                throw GGUFError("llama", "token \(bad) is outside the vocabulary of \(c.vocabularySize)")
            }
            let logits = model.forward(tokens, cache: &self)
            count += tokens.count
            return logits
        }
    }

    /// The likeliest continuation of `prompt`, token by token through a cache, until a token of `stop` (not
    /// included) or `maxTokens`.
    public func greedy(_ prompt: [Int32], maxTokens: Int, stop: Set<Int32> = []) throws -> [Int32] {
        var cache = Cache(self), output: [Int32] = [], next = prompt
        let V = configuration.vocabularySize
        while output.count < maxTokens {
            let logits = try cache.append(next)
            let last = logits[(next.count - 1) * V..<next.count * V]
            let token = Int32(last.indices.max { last[$0] < last[$1] }! - (next.count - 1) * V)
            if stop.contains(token) { break }
            output.append(token)
            next = [token]
        }
        return output
    }

    /// The new rows' logits, their keys and values appended to `cache` (positions from `cache.count`).
    private func forward(_ tokens: [Int32], cache: inout Cache) -> [Float] {
        let c = configuration, T = tokens.count, d = c.width, hd = c.headWidth, kv = c.keyValueHeads * hd, f = c.feedForward
        var x = [Float](repeating: 0, count: T * d)
        for (t, token) in tokens.enumerated() { x.replaceSubrange(t * d..<(t + 1) * d, with: embedding[Int(token) * d..<(Int(token) + 1) * d]) }
        var h = [Float](repeating: 0, count: T * d), q = [Float](repeating: 0, count: T * d)
        var k = [Float](repeating: 0, count: T * kv), v = [Float](repeating: 0, count: T * kv)
        var attended = [Float](repeating: 0, count: T * d), gate = [Float](repeating: 0, count: T * f), up = [Float](repeating: 0, count: T * f)
        let (cosines, sines) = Self.rotations(positions: cache.count..<cache.count + T, headWidth: hd, base: c.ropeBase)
        for (l, layer) in layers.enumerated() {
            rmsNorm(x, gain: layer.attentionNorm, rows: T, into: &h)
            Self.project(h, rows: T, inputs: d, weight: layer.query, outputs: d, into: &q)
            Self.project(h, rows: T, inputs: d, weight: layer.key, outputs: kv, into: &k)
            Self.project(h, rows: T, inputs: d, weight: layer.value, outputs: kv, into: &v)
            Self.rotate(&q, rows: T, heads: c.heads, headWidth: hd, cosines: cosines, sines: sines)
            Self.rotate(&k, rows: T, heads: c.keyValueHeads, headWidth: hd, cosines: cosines, sines: sines)
            cache.keys[l] += k
            cache.values[l] += v
            attend(q: q, rows: T, from: cache.count, keys: cache.keys[l], values: cache.values[l], into: &attended)
            Self.project(attended, rows: T, inputs: d, weight: layer.output, outputs: d, into: &x, accumulate: true)
            rmsNorm(x, gain: layer.feedForwardNorm, rows: T, into: &h)
            Self.project(h, rows: T, inputs: d, weight: layer.gate, outputs: f, into: &gate)
            Self.project(h, rows: T, inputs: d, weight: layer.up, outputs: f, into: &up)
            for i in 0..<T * f { gate[i] = gate[i] / (1 + Foundation.exp(-gate[i])) * up[i] }
            Self.project(gate, rows: T, inputs: f, weight: layer.down, outputs: d, into: &x, accumulate: true)
        }
        rmsNorm(x, gain: outputNorm, rows: T, into: &h)
        var logits = [Float](repeating: 0, count: T * c.vocabularySize)
        Self.project(h, rows: T, inputs: d, weight: head ?? embedding, outputs: c.vocabularySize, into: &logits)
        return logits
    }

    /// out = x W^T (+ out), W `outputs` rows of `inputs`.
    static func project(_ x: [Float], rows: Int, inputs: Int, weight: [Float], outputs: Int, into out: inout [Float], accumulate: Bool = false) {
        x.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { y in
                    Float.gemm(transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs, alpha: 1, a: x.baseAddress!, lda: inputs,
                               b: w.baseAddress!, ldb: inputs, beta: accumulate ? 1 : 0, c: y.baseAddress!, ldc: outputs)
                }
            }
        }
    }

    /// Each row x / sqrt(mean(x^2) + eps) times the gain.
    func rmsNorm(_ x: [Float], gain: [Float], rows: Int, into out: inout [Float]) {
        let d = configuration.width, eps = Float(configuration.rmsEpsilon)
        for r in 0..<rows {
            var sum: Float = 0
            for j in 0..<d { sum += x[r * d + j] * x[r * d + j] }
            let scale = 1 / (sum / Float(d) + eps).squareRoot()
            for j in 0..<d { out[r * d + j] = x[r * d + j] * scale * gain[j] }
        }
    }

    /// cos and sin of position p times base^(-2i / headWidth), for i < headWidth / 2 and p in `positions`: p-major.
    static func rotations(positions: Range<Int>, headWidth: Int, base: Double) -> (cosines: [Float], sines: [Float]) {
        let half = headWidth / 2
        var cosines = [Float](repeating: 0, count: positions.count * half), sines = cosines
        for (row, p) in positions.enumerated() {
            for i in 0..<half {
                let angle = Double(p) * Foundation.pow(base, -2 * Double(i) / Double(headWidth))
                cosines[row * half + i] = Float(Foundation.cos(angle))
                sines[row * half + i] = Float(Foundation.sin(angle))
            }
        }
        return (cosines, sines)
    }

    /// Turns pair (2i, 2i + 1) of each head of each row (position = row) by its angle.
    static func rotate(_ x: inout [Float], rows: Int, heads: Int, headWidth: Int, cosines: [Float], sines: [Float]) {
        let half = headWidth / 2
        for r in 0..<rows {
            for head in 0..<heads {
                let base = (r * heads + head) * headWidth
                for i in 0..<half {
                    let a = x[base + 2 * i], b = x[base + 2 * i + 1], cs = cosines[r * half + i], sn = sines[r * half + i]
                    x[base + 2 * i] = a * cs - b * sn
                    x[base + 2 * i + 1] = a * sn + b * cs
                }
            }
        }
    }

    /// Causal grouped-query attention of `rows` new queries (positions from `start`) over every cached key and
    /// value up to each one's own position, the heads side by side in `out`.
    func attend(q: [Float], rows: Int, from start: Int, keys k: [Float], values v: [Float], into out: inout [Float]) {
        let c = configuration, hd = c.headWidth, group = c.heads / c.keyValueHeads, d = c.width, kv = c.keyValueHeads * hd
        let scale = 1 / Float(hd).squareRoot()
        var scores = [Float](repeating: 0, count: start + rows)
        for head in 0..<c.heads {
            let kvHead = head / group
            for t in 0..<rows {
                let position = start + t
                var largest = -Float.infinity
                for s in 0...position {
                    var dot: Float = 0
                    for j in 0..<hd { dot += q[t * d + head * hd + j] * k[s * kv + kvHead * hd + j] }
                    scores[s] = dot * scale
                    largest = max(largest, scores[s])
                }
                var total: Float = 0
                for s in 0...position { scores[s] = Foundation.exp(scores[s] - largest); total += scores[s] }
                for j in 0..<hd {
                    var sum: Float = 0
                    for s in 0...position { sum += scores[s] * v[s * kv + kvHead * hd + j] }
                    out[t * d + head * hd + j] = sum / total
                }
            }
        }
    }
}
