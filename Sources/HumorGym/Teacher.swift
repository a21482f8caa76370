/// Writes reference outputs for prompts (N per prompt): the training data of imitation.
public protocol Teacher: Sendable {
    var name: String { get }
    /// `count` outputs for each prompt, in the order of `prompts`. A teacher may return fewer for a prompt
    /// (an LLM's refusal); it never invents padding.
    func demonstrations(for prompts: [Prompt], count: Int) async throws -> [[Text]]
}
