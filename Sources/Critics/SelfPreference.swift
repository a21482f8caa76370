import HumorGym

/// A critic's taste for its own teacher's writing (the paper's worry about an LLM judging an LLM's outputs):
/// on pairs of a teacher output and another candidate for the same prompt, each judged in both orders, the
/// share the critic decides for the teacher's, beside the share the gold judge does, on the pairs both decide.
/// The difference, in points, is the self-preference: 0 for a critic that likes the teacher's texts exactly as
/// much as they deserve.
public struct SelfPreference: Sendable, Codable, Equatable {
    /// Pairs both decided (the critic order-averaged, gold strictly), and those the critic decided for the teacher.
    public var critic: CriticDiagnostics.Rate
    /// The same pairs, and those gold decided for the teacher.
    public var gold: CriticDiagnostics.Rate
    /// `critic.percent - gold.percent`.
    public var points: Double { critic.percent - gold.percent }

    /// - Parameter pairs: the teacher's output first, the other candidate second.
    public static func measure(critic: any Critic, gold: any GoldJudge, pairs: [PairRequest]) async throws -> SelfPreference {
        var c = CriticDiagnostics.Rate(count: 0, denominator: 0), g = c
        for (pair, preference) in zip(pairs, try await critic.preferenceBothOrders(pairs)) {
            let (teacher, other) = (gold.judge(pair.first, for: pair.prompt).total, gold.judge(pair.second, for: pair.prompt).total)
            guard teacher != other, let preference, preference != 0.5 else { continue }
            (c.denominator, g.denominator) = (c.denominator + 1, g.denominator + 1)
            if preference > 0.5 { c.count += 1 }
            if teacher > other { g.count += 1 }
        }
        return SelfPreference(critic: c, gold: g)
    }
}
