/// What a concept is, which decides the sentence shapes and response templates it appears in.
enum ConceptKind: Int, CaseIterable, Sendable {
    case role, activity, object
}

/// A prompt's sentence shape. `CONCEPT` and `QUALIFIER` are the meaning slots; a modifier, when the meaning
/// has one, goes before the full stop that ends every shape.
struct PromptShape: Sendable {
    let pattern: [String]
    let kind: ConceptKind
    let isOutOfDistribution: Bool

    var hasQualifier: Bool { pattern.contains("QUALIFIER") }

    static let all: [PromptShape] = [
        PromptShape(pattern: ["i", "am", "a", "CONCEPT", "."], kind: .role, isOutOfDistribution: false),
        PromptShape(pattern: ["i", "am", "a", "CONCEPT", "and", "i", "am", "always", "QUALIFIER", "."], kind: .role, isOutOfDistribution: false),
        PromptShape(pattern: ["i", "like", "to", "CONCEPT", "."], kind: .activity, isOutOfDistribution: false),
        PromptShape(pattern: ["i", "have", "to", "CONCEPT", "every", "day", "."], kind: .activity, isOutOfDistribution: false),
        PromptShape(pattern: ["i", "have", "a", "CONCEPT", "."], kind: .object, isOutOfDistribution: false),
        PromptShape(pattern: ["i", "have", "a", "CONCEPT", "that", "is", "always", "QUALIFIER", "."], kind: .object, isOutOfDistribution: false),
        // Out of distribution: shapes that train never shows.
        PromptShape(pattern: ["my", "CONCEPT", "is", "QUALIFIER", "again", "."], kind: .object, isOutOfDistribution: true),
        PromptShape(pattern: ["today", "i", "had", "to", "CONCEPT", "."], kind: .activity, isOutOfDistribution: true),
        PromptShape(pattern: ["everyone", "says", "i", "am", "a", "CONCEPT", "."], kind: .role, isOutOfDistribution: true),
    ]
}

/// The meaning of one prompt: the gold judge checks a paraphrase against it.
struct PromptMeaning: Sendable, Hashable {
    let shape: Int
    let topic: Int
    let concept: Int
    let qualifier: Int?
    /// An index into the world's modifiers; always nil in the original world.
    let modifier: Int?
}
