import HumorGym

/// Measures a critic the way the paper's Table 1 does, against the gold judge, on pairs judged in both
/// presentation orders.
///
/// - agreement: among pairs where gold strictly prefers one response and the critic's order-averaged
///   preference is decisive, the share where they pick the same response. `humorAgreement` and
///   `consistencyAgreement` do the same with gold's humor or consistency alone, as the paper asked its
///   annotators about each separately.
/// - position flips: among pairs with a decisive verdict in both orders, the share where the verdict
///   follows the position (the same slot wins both times, so the preferred text changes).
/// - length bias: among pairs of different lengths where gold prefers one and the critic is decisive,
///   the share where gold prefers the shorter and the critic the longer (the paper's "humans preferred the
///   shorter, the critic the longer", as a share of all such cases).
/// - abstentions: the share of single judgements without a verdict; ties: of order-averaged preferences.
public struct CriticDiagnostics: Sendable, Codable, Equatable {
    public struct Rate: Sendable, Codable, Equatable {
        public var count: Int
        public var denominator: Int
        public var percent: Double { denominator == 0 ? .nan : 100 * Double(count) / Double(denominator) }

        public init(count: Int, denominator: Int) {
            self.count = count
            self.denominator = denominator
        }

        enum CodingKeys: String, CodingKey { case count, denominator, percent }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            count = try c.decode(Int.self, forKey: .count)
            denominator = try c.decode(Int.self, forKey: .denominator)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(count, forKey: .count)
            try c.encode(denominator, forKey: .denominator)
            if denominator > 0 { try c.encode(percent, forKey: .percent) } else { try c.encodeNil(forKey: .percent) }
        }
    }

    public var pairs: Int
    public var agreement: Rate
    public var humorAgreement: Rate
    public var consistencyAgreement: Rate
    public var positionFlips: Rate
    public var lengthBias: Rate
    public var abstentions: Rate
    public var ties: Rate

    /// Judges every pair in both orders with `critic` and compares with `gold`; without a gold judge (human
    /// jokes) agreement and length bias have nothing to count.
    public static func measure(critic: any Critic, gold: (any GoldJudge)?, pairs: [PairRequest]) async throws -> CriticDiagnostics {
        let judgements = try await critic.compareBothOrders(pairs)
        var agree = Rate(count: 0, denominator: 0), humor = agree, consistency = agree, flips = agree, length = agree, ties = agree
        var abstentions = Rate(count: 0, denominator: 2 * pairs.count)
        for (pair, (forward, backward)) in zip(pairs, judgements) {
            abstentions.count += (forward.verdict == .abstain ? 1 : 0) + (backward.verdict == .abstain ? 1 : 0)
            let decisive: Set<Verdict> = [.first, .second]
            if decisive.contains(forward.verdict) && decisive.contains(backward.verdict) {
                flips.denominator += 1
                if forward.verdict == backward.verdict { flips.count += 1 }
            }
            guard let preferFirst = PairwiseJudgement.averagedPreference(forward, backward) else { continue }
            ties.denominator += 1
            if preferFirst == 0.5 { ties.count += 1; continue }
            guard let gold else { continue }
            let criticPrefersFirst = preferFirst > 0.5
            let first = gold.judge(pair.first, for: pair.prompt), second = gold.judge(pair.second, for: pair.prompt)
            func count(_ rate: inout Rate, _ a: Double, _ b: Double) {
                guard a != b else { return }
                rate.denominator += 1
                if (a > b) == criticPrefersFirst { rate.count += 1 }
            }
            count(&humor, first.humor, second.humor)
            count(&consistency, first.consistency, second.consistency)
            count(&agree, first.total, second.total)
            let gf = first.total, gs = second.total
            if gf != gs {
                if pair.first.count != pair.second.count {
                    length.denominator += 1
                    let goldPrefersShorter = (gf > gs) == (pair.first.count < pair.second.count)
                    let criticPrefersLonger = criticPrefersFirst == (pair.first.count > pair.second.count)
                    if goldPrefersShorter && criticPrefersLonger { length.count += 1 }
                }
            }
        }
        return CriticDiagnostics(pairs: pairs.count, agreement: agree, humorAgreement: humor, consistencyAgreement: consistency, positionFlips: flips, lengthBias: length,
                                 abstentions: abstentions, ties: ties)
    }
}
