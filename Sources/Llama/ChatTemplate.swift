import GGUF

/// A model's chat template, written out in Swift for the one family HumorGym's pretrained student uses:
/// ChatML (`<|im_start|>ROLE\nCONTENT<|im_end|>\n` per message, then `<|im_start|>assistant\n` to ask for an
/// answer), with the system message the template puts first when the conversation has none (SmolLM2's: "You
/// are a helpful AI assistant named SmolLM, trained by Hugging Face"). The GGUF holds the template as Jinja;
/// this reads that text, recognises ChatML, and takes its default system message from it, so a file whose
/// template is anything else is refused rather than rendered wrongly. Its rendering is checked against
/// llama.cpp's (`/apply-template`).
public struct ChatTemplate: Sendable, Equatable {
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// The system message put first when the conversation does not start with one; nil: none.
    public let defaultSystem: String?

    public init(defaultSystem: String?) {
        self.defaultSystem = defaultSystem
    }

    /// The template of `tokenizer.chat_template`, if it is ChatML.
    public init(jinja template: String, file: String = "chat template") throws {
        guard template.contains("'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'"),
              template.contains("{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}") else {
            throw GGUFError(file, "the chat template is not ChatML; HumorGym renders ChatML only")
        }
        // The default system message: `{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nTEXT<|im_end|>\n' }}`.
        let opening = "messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
        if let start = template.range(of: opening), let end = template.range(of: "<|im_end|>", range: start.upperBound..<template.endIndex) {
            defaultSystem = String(template[start.upperBound..<end.lowerBound])
        } else {
            defaultSystem = nil
        }
    }

    /// The file's `tokenizer.chat_template`.
    public init(_ file: GGUFFile) throws {
        guard let template = file["tokenizer.chat_template"]?.string else { throw GGUFError(file.path, "no tokenizer.chat_template") }
        try self.init(jinja: template, file: file.path)
    }

    /// The prompt for `messages`; with `addGenerationPrompt`, ending where the assistant's answer begins.
    public func render(_ messages: [Message], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        if let defaultSystem, let first = messages.first, first.role != "system" { out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n" }
        for message in messages { out += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n" }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }
}
