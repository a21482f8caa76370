/// The gold judge's verdict on one response: the simulation's "human" score and its parts, each in [0, 1].
public struct GoldScore: Sendable, Equatable, Codable {
    public var humor: Double
    public var consistency: Double
    public var fluency: Double
    /// The weighted total that gold comparisons use.
    public var total: Double

    public init(humor: Double, consistency: Double, fluency: Double, total: Double) {
        self.humor = humor
        self.consistency = consistency
        self.fluency = fluency
        self.total = total
    }
}

/// Scores any token sequence, gibberish included. Known by construction; never shown to a learner.
public protocol GoldJudge: Sendable {
    func judge(_ response: Text, for prompt: Prompt) -> GoldScore
}

/// A humor domain: prompts in splits, and each prompt's candidate responses.
public protocol World: Sendable {
    var name: String { get }
    var vocabulary: Vocabulary { get }
    var candidates: CandidateSets { get }
    func prompts(_ split: Split) -> [Prompt]
    /// What a student that follows instructions (a pretrained language model) is asked for a prompt: `{prompt}`
    /// is the prompt's text. Without one of its own, a world asks with the prompt alone.
    var task: String { get }
}

/// A world whose "humans" are known by construction: it holds the gold judge. A corpus of real jokes is a
/// world without one; only an LLM can judge there.
public protocol SimulatedWorld: World {
    var goldJudge: any GoldJudge { get }
}

extension World {
    public var task: String { "{prompt}" }

    /// Every prompt of every split, in split order then id order.
    public var allPrompts: [Prompt] { Split.allCases.flatMap { prompts($0) } }
}

/// For each prompt, the finite set of responses that candidate-set students (tabular, log-linear) choose from.
public final class CandidateSets: Sendable {
    private let sets: [[Text]]
    private let positions: [[Text: Int]]

    /// `sets[prompt.id]` is that prompt's candidate list; ids must be 0..<sets.count.
    public init(_ sets: [[Text]]) {
        self.sets = sets
        var offsets = [0]
        offsets.reserveCapacity(sets.count + 1)
        for set in sets { offsets.append(offsets.last! + set.count) }
        self.offsets = offsets
        self.positions = sets.map { list in
            var index = [Text: Int](minimumCapacity: list.count)
            for (i, text) in list.enumerated() where index[text] == nil { index[text] = i }
            return index
        }
    }

    public subscript(prompt: Prompt) -> [Text] { sets[prompt.id] }

    /// Where `response` sits in the prompt's candidate list, or nil when it is not a candidate.
    public func position(of response: Text, for prompt: Prompt) -> Int? { positions[prompt.id][response] }

    /// Offsets of each prompt's first candidate in one flat list of all candidates (prompt order by id);
    /// the last entry is the total.
    public let offsets: [Int]
}
