import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GGUF
import Llama
import Testing

/// The Llama network against PyTorch running the same architecture on the same file (scripts/llama_reference.py),
/// and the real SmolLM2 file read and run.
@Suite struct LlamaModelTests {
    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")

    struct Reference: Decodable {
        struct Sequence: Decodable { var tokens: [Int32]; var logits: [Double] }
        var sequences: [Sequence]
    }

    /// Logits at every position equal PyTorch's (float64) to float rounding: grouped-query attention, rotary
    /// pairs, SwiGLU, RMSNorm, the tied head, a Q8_0 projection among F32 ones.
    @Test func logitsArePyTorchsToFloatRounding() throws {
        let file = try GGUFFile(contentsOf: Self.resources.appendingPathComponent("tiny-llama.gguf").path)
        let model = try LlamaModel<Float>(file)
        #expect(model.configuration == LlamaConfiguration(vocabularySize: 48, width: 32, layers: 2, heads: 4, keyValueHeads: 2,
                                                            feedForward: 64, contextLength: 32, ropeBase: 10_000, rmsEpsilon: Double(Float(1e-5))))  // the file holds a float32
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.resources.appendingPathComponent("tiny-llama.json")))
        for sequence in reference.sequences {
            let logits = try model.logits(sequence.tokens)
            #expect(logits.count == sequence.tokens.count * 48)
            let worst = zip(logits, sequence.logits).map { abs(Double($0) - $1) / max(1, abs($1)) }.max()!
            #expect(worst < 1e-5, "largest relative difference \(worst)")
        }
        // A position's logits do not depend on the tokens after it (causal): the 3-token prefix of the first sequence.
        let first = reference.sequences[0], prefix = try model.logits(Array(first.tokens.prefix(3)))
        #expect(zip(prefix, first.logits.prefix(3 * 48)).allSatisfy { abs(Double($0) - $1) < 1e-5 * max(1, abs($1)) })
        #expect(throws: GGUFError.self) { try model.logits([48]) }
        #expect(throws: GGUFError.self) { try model.logits(Array(repeating: 1, count: 33)) }
    }

    /// Reading a prompt then one token at a time through the key-value cache gives the logits of reading the
    /// whole sequence at once.
    @Test func theCacheGivesTheLogitsOfTheWholeSequence() throws {
        let model = try LlamaModel<Float>(GGUFFile(contentsOf: Self.resources.appendingPathComponent("tiny-llama.gguf").path))
        let tokens: [Int32] = [1, 5, 9, 47, 0, 12, 33, 33, 7, 2, 40, 18]
        let whole = try model.logits(tokens)
        var cache = LlamaModel<Float>.Cache(model), stepwise = try model.append([Array(tokens.prefix(5))], to: &cache, everyPosition: true)
        for token in tokens.dropFirst(5) { stepwise += try model.append([[token]], to: &cache) }
        #expect(cache.counts == [12] && stepwise.count == whole.count)
        #expect(zip(stepwise, whole).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        #expect(throws: GGUFError.self) { try model.append([Array(repeating: 1, count: 21)], to: &cache) }  // 12 + 21 > 32
        // A batch of sequences of different lengths read together, then copied and continued apart, gives each
        // one's own logits.
        var batch = LlamaModel<Float>.Cache(model, batch: 2)
        let first = try model.append([Array(tokens.prefix(4)), Array(tokens.prefix(7))], to: &batch)
        #expect(zip(first, whole[3 * 48..<4 * 48] + whole[6 * 48..<7 * 48]).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        batch.select([1, 1, 0])
        let next = try model.append([[tokens[7]], [3], [tokens[4]]], to: &batch)
        let alone = try model.logits(Array(tokens.prefix(7)) + [3])
        #expect(batch.counts == [8, 8, 5])
        #expect(zip(next, whole[7 * 48..<8 * 48] + alone[7 * 48..<8 * 48] + whole[4 * 48..<5 * 48]).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        // Greedy decoding through the cache picks each step's likeliest token of the whole sequence's logits.
        let continuation = try model.greedy([1, 5, 9], maxTokens: 6)
        let again = try model.logits([1, 5, 9] + continuation.dropLast())
        for (i, token) in continuation.enumerated() {
            let row = again[(2 + i) * 48..<(3 + i) * 48]
            #expect(Int(token) == row.indices.max { row[$0] < row[$1] }! - (2 + i) * 48)
        }
    }

    /// SmolLM2-135M-Instruct (the local server's model, from its Q4_1 file): its shape from the file, and a chat prompt's next
    /// token as llama.cpp would greedily pick it begins the answer sensibly (finite logits, the top token a word).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: ByteLevelBPETests.model), "scripts/local-llm build installs the model"))
    func theSmolLM2ModelRuns() throws {
        let file = try GGUFFile(contentsOf: ByteLevelBPETests.model)
        let model = try LlamaModel<Float>(file), bpe = try ByteLevelBPE(file), chat = try ChatTemplate(file)
        #expect(model.configuration == LlamaConfiguration(vocabularySize: 49152, width: 576, layers: 30, heads: 9, keyValueHeads: 3,
                                                            feedForward: 1536, contextLength: 8192, ropeBase: 100_000, rmsEpsilon: Double(Float(1e-5))))
        let prompt = bpe.encode(chat.render([.init(role: "user", content: "What is the capital of France?")]), parseSpecial: true)
        let logits = try model.logits(prompt), V = 49152
        let last = Array(logits[(prompt.count - 1) * V..<prompt.count * V])
        #expect(last.allSatisfy { $0.isFinite })
        let top = last.indices.max { last[$0] < last[$1] }!
        #expect(bpe.decode([Int32(top)]).trimmingCharacters(in: .whitespaces) == "The", "top token \(bpe.decode([Int32(top)]).debugDescription)")
        // Its greedy answer, through the cache, until <|im_end|>.
        let answer = bpe.decode(try model.greedy(prompt, maxTokens: 24, stop: [2]))
        #expect(answer.contains("Paris"), "\(answer)")
        print("SmolLM2's greedy answer in Swift: \(answer.debugDescription)")
    }

    /// Beside Hugging Face's LlamaForCausalLM reading the same file (float32; transformers dequantises the GGUF and
    /// un-permutes the query and key rows itself): the next-token logits after a chat prompt, its ten likeliest,
    /// as `benchmarks/pytorch_llama.py check` prints them. Both multiply the same Float weights, so they agree to
    /// float rounding, not to quantisation.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: ByteLevelBPETests.model), "scripts/local-llm build installs the model"))
    func theSmolLM2LogitsAreHuggingFaces() throws {
        let model = try LlamaModel<Float>(GGUFFile(contentsOf: ByteLevelBPETests.model)), V = 49152
        let tokens: [Int32] = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
        let hf: [(Int, Double)] = [(504, 27.85875129699707), (60, 26.129501342773438), (38634, 26.101531982421875), (15319, 25.962284088134766),
                                   (7026, 25.181381225585938), (33488, 24.365497589111328), (50, 24.094337463378906), (51, 23.95400047302246),
                                   (54, 23.729541778564453), (57, 23.4863224029541)]
        let last = Array(try model.logits(tokens)[(tokens.count - 1) * V..<tokens.count * V])
        #expect(last.indices.sorted { last[$0] > last[$1] }.prefix(10).elementsEqual(hf.map(\.0)))
        let worst = hf.map { abs(Double(last[$0.0]) - $0.1) }.max()!
        #expect(worst < 2e-3, "largest difference from Hugging Face's logits \(worst)")
    }

    /// Beside llama.cpp running the same weights (the local server's BF16 copy of the file, which rounds each weight
    /// and activation to 8 significant bits): on chat prompts of five joke setups, llama.cpp's ten likeliest next
    /// tokens are within 0.1 nats of ours (measured: at most 0.039, 0.014 on average; with llama.cpp's own Q4_1
    /// arithmetic it was 0.30 and 0.06), and its likeliest is, in ours, within that of our likeliest.
    @Test(.enabled(if: ByteLevelBPETests.serverIsUp, "set HUMORGYM_LLM_URL to the local server (scripts/local-llm start)"))
    func nextTokensAreLlamaCpps() async throws {
        let file = try GGUFFile(contentsOf: ByteLevelBPETests.model)
        let model = try LlamaModel<Float>(file), bpe = try ByteLevelBPE(file), chat = try ChatTemplate(file), V = 49152
        var differences: [Double] = []
        for setup in try ByteLevelBPETests.strings().prefix(10).enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) {
            let prompt = bpe.encode(chat.render([.init(role: "user", content: "Finish the joke: \(setup)")]), parseSpecial: true)
            let answer = try await ByteLevelBPETests.ask("/completion", ["prompt": prompt.map(Int.init), "n_predict": 1, "n_probs": 10,
                                                                          "temperature": 0, "cache_prompt": false])
            let theirs = try #require((answer["completion_probabilities"] as? [[String: Any]])?.first?["top_logprobs"] as? [[String: Any]])
                .map { (id: $0["id"] as? Int ?? -1, logprob: $0["logprob"] as? Double ?? .nan) }
            let logits = try model.logits(prompt)[(prompt.count - 1) * V..<prompt.count * V].map(Double.init)
            let largest = logits.max()!, normaliser = largest + Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - largest) })
            let ours = logits.indices.max { logits[$0] < logits[$1] }!
            #expect(logits[theirs[0].id] >= logits[ours] - 0.1, "\(setup): llama.cpp \(theirs.prefix(3)), ours \(ours)")
            differences += theirs.map { abs(logits[$0.id] - normaliser - $0.logprob) }
        }
        #expect(differences.count == 50 && differences.max()! < 0.1, "largest log-probability difference \(differences.max()!)")
        print(String(format: "log-probability differences from llama.cpp, its top 10 of 5 prompts: largest %.3f, mean %.3f",
                     differences.max()!, differences.reduce(0, +) / Double(differences.count)))
    }
}
