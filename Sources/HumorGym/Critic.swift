/// What a pairwise judgement says about the first candidate as presented.
public enum Verdict: String, Sendable, Codable {
    case first, second, tie
    /// No verdict: the judge could not decide (an LLM's unparsable answer). Counted, never guessed.
    case abstain
}

/// One pairwise judgement of two responses in a fixed presentation order.
public struct PairwiseJudgement: Sendable, Equatable {
    /// P(the first is better), when the judge gives one (nil for an abstention).
    public var probabilityFirstBetter: Double?
    public var verdict: Verdict
    public var reason: String?

    public init(probabilityFirstBetter: Double?, verdict: Verdict, reason: String? = nil) {
        self.probabilityFirstBetter = probabilityFirstBetter
        self.verdict = verdict
        self.reason = reason
    }

    /// P(a better) = (p(a, b) + 1 - p(b, a)) / 2 from the judgement of (a, b) and of (b, a); nil if either
    /// has no probability.
    public static func averagedPreference(_ forward: PairwiseJudgement, _ backward: PairwiseJudgement) -> Double? {
        guard let f = forward.probabilityFirstBetter, let b = backward.probabilityFirstBetter else { return nil }
        return (f + 1 - b) / 2
    }
}

/// A pair to judge, in presentation order.
public struct PairRequest: Sendable, Hashable {
    public let prompt: Prompt
    public let first: Text
    public let second: Text

    public init(prompt: Prompt, first: Text, second: Text) {
        self.prompt = prompt
        self.first = first
        self.second = second
    }

    public var swapped: PairRequest { PairRequest(prompt: prompt, first: second, second: first) }
}

/// Gives feedback during training: a pointwise reward and pairwise preferences.
///
/// Async so that an HTTP critic fits the same protocol. The batch forms let a critic judge many requests at
/// once; their default implementations call the single forms in order, so results are deterministic.
public protocol Critic: Sendable {
    var name: String { get }
    func score(_ response: Text, for prompt: Prompt) async throws -> Double
    func compare(_ pair: PairRequest) async throws -> PairwiseJudgement
    func score(_ examples: [Example]) async throws -> [Double]
    func compare(_ pairs: [PairRequest]) async throws -> [PairwiseJudgement]
    /// Scores where the critic gives one and nil where it abstains (an LLM answer without a score): for
    /// reports and learners that can do without a sample. A critic that always scores keeps the default.
    func scoresOrAbstentions(_ examples: [Example]) async throws -> [Double?]
}

extension Critic {
    public func score(_ examples: [Example]) async throws -> [Double] {
        var scores: [Double] = []
        scores.reserveCapacity(examples.count)
        for example in examples { scores.append(try await score(example.response, for: example.prompt)) }
        return scores
    }

    public func scoresOrAbstentions(_ examples: [Example]) async throws -> [Double?] { try await score(examples) }

    public func compare(_ pairs: [PairRequest]) async throws -> [PairwiseJudgement] {
        var judgements: [PairwiseJudgement] = []
        judgements.reserveCapacity(pairs.count)
        for pair in pairs { judgements.append(try await compare(pair)) }
        return judgements
    }

    /// Judges each pair as given and swapped, in one batch: (forward, backward) per pair.
    public func compareBothOrders(_ pairs: [PairRequest]) async throws -> [(forward: PairwiseJudgement, backward: PairwiseJudgement)] {
        let judgements = try await compare(pairs.flatMap { [$0, $0.swapped] })
        return pairs.indices.map { (judgements[2 * $0], judgements[2 * $0 + 1]) }
    }

    /// Judges each pair in both presentation orders and averages: P(a better) = (p(a, b) + 1 - p(b, a)) / 2.
    /// Nil where either order abstained. This is how the paper cancels position bias.
    public func preferenceBothOrders(_ pairs: [PairRequest]) async throws -> [Double?] {
        try await compareBothOrders(pairs).map { PairwiseJudgement.averagedPreference($0.forward, $0.backward) }
    }
}
