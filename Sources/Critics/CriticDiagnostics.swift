import HumorGym
import Stochastics

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
/// - prefers the first, prefers the longer: of single decisive judgements, the share naming the one shown
///   first, and (pairs of different lengths) the longer: 50% is no bias, whatever the reference says.
///
/// Against people's judgements (``Reference/humans(_:)``) the same figures are counted with the humans in
/// gold's place. Every rate keeps its count and denominator, and its 95% Wilson interval is written beside it.
public struct CriticDiagnostics: Sendable, Codable, Equatable {
    public struct Rate: Sendable, Codable, Equatable {
        public var count: Int
        public var denominator: Int
        public var percent: Double { denominator == 0 ? .nan : 100 * Double(count) / Double(denominator) }

        public init(count: Int, denominator: Int) {
            self.count = count
            self.denominator = denominator
        }

        /// The 95% Wilson interval of the rate, in percent; nil without a denominator.
        public var interval: (lower: Double, upper: Double)? {
            wilsonInterval(count: count, total: denominator).map { (100 * $0.lower, 100 * $0.upper) }
        }

        enum CodingKeys: String, CodingKey { case count, denominator, percent, ci95 }

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
            if let interval { try c.encode([interval.lower, interval.upper], forKey: .ci95) } else { try c.encodeNil(forKey: .ci95) }
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
    public var prefersFirst: Rate
    public var prefersLonger: Rate

    /// Agreement on the same pairs of judges that need no model, so that a figure means something: always
    /// the first shown, always the longer (pairs of different lengths), and a fair coin (seeded: the same
    /// pairs give the same count).
    public var baselines: Baselines

    public struct Baselines: Sendable, Codable, Equatable {
        public var alwaysFirst: Rate
        public var alwaysLonger: Rate
        public var coin: Rate
    }

    /// What a critic is measured against: the simulated world's gold judge (on the total, and on humor and
    /// consistency alone), or people's judgements, P(first is better) for each pair in order.
    public enum Reference: Sendable {
        case gold(any GoldJudge)
        case humans([Double])
    }

    /// Judges every pair in both orders with `critic` and compares with `gold`; without a gold judge (human
    /// jokes) agreement and length bias have nothing to count.
    public static func measure(critic: any Critic, gold: (any GoldJudge)?, pairs: [PairRequest]) async throws -> CriticDiagnostics {
        try await measure(critic: critic, pairs: pairs, reference: gold.map { .gold($0) })
    }

    /// Judges every pair in both orders with `critic` and compares with `reference` (people give no humor or
    /// consistency apart, so those two agreements count nothing against them).
    public static func measure(critic: any Critic, pairs: [PairRequest], reference: Reference?) async throws -> CriticDiagnostics {
        if case .humans(let p) = reference { precondition(p.count == pairs.count, "one human preference per pair") }
        /// Whether the reference prefers the first response on `aspect`; nil when it has no preference.
        func firstBetter(_ index: Int, _ aspect: KeyPath<GoldScore, Double>) -> Bool? {
            switch reference {
            case .gold(let gold)?:
                let pair = pairs[index]
                let a = gold.judge(pair.first, for: pair.prompt)[keyPath: aspect], b = gold.judge(pair.second, for: pair.prompt)[keyPath: aspect]
                return a == b ? nil : a > b
            case .humans(let preferences)?:
                return aspect != \GoldScore.total || preferences[index] == 0.5 ? nil : preferences[index] > 0.5
            case nil:
                return nil
            }
        }
        let judgements = try await critic.compareBothOrders(pairs)
        var agree = Rate(count: 0, denominator: 0), humor = agree, consistency = agree, flips = agree, length = agree, ties = agree
        var first = agree, longer = agree, coin = agree, prefersFirst = agree, prefersLonger = agree
        var abstentions = Rate(count: 0, denominator: 2 * pairs.count)
        let coinFlips = RandomStream(seed: SeedSequence(root: 0).seed(for: "coin-baseline"))
        for (index, (pair, (forward, backward))) in zip(pairs, judgements).enumerated() {
            abstentions.count += (forward.verdict == .abstain ? 1 : 0) + (backward.verdict == .abstain ? 1 : 0)
            let decisive: Set<Verdict> = [.first, .second]
            if decisive.contains(forward.verdict) && decisive.contains(backward.verdict) {
                flips.denominator += 1
                if forward.verdict == backward.verdict { flips.count += 1 }
            }
            let truth = firstBetter(index, \.total)
            let firstIsLonger: Bool? = pair.first.count == pair.second.count ? nil : pair.first.count > pair.second.count
            // Each single judgement: its slot, and whether it named the longer (backward, the first shown is `second`).
            for (judgement, shownFirstIsLonger) in [(forward, firstIsLonger), (backward, firstIsLonger.map(!))] where decisive.contains(judgement.verdict) {
                count(&prefersFirst, judgement.verdict == .first, true)
                if let shownFirstIsLonger { count(&prefersLonger, judgement.verdict == .first, shownFirstIsLonger) }
            }
            // The baselines answer every pair, whatever the critic did with it.
            let heads = coinFlips.bernoulli(0.5)
            if let truth {
                count(&first, true, truth)
                count(&coin, heads, truth)
                if let firstIsLonger { count(&longer, firstIsLonger, truth) }
            }
            guard let preferFirst = PairwiseJudgement.averagedPreference(forward, backward) else { continue }
            ties.denominator += 1
            if preferFirst == 0.5 { ties.count += 1; continue }
            let criticPrefersFirst = preferFirst > 0.5
            if let humor_ = firstBetter(index, \.humor) { count(&humor, criticPrefersFirst, humor_) }
            if let consistency_ = firstBetter(index, \.consistency) { count(&consistency, criticPrefersFirst, consistency_) }
            if let truth {
                count(&agree, criticPrefersFirst, truth)
                if let firstIsLonger {
                    length.denominator += 1
                    // The reference prefers the shorter, the critic the longer.
                    if truth != firstIsLonger && criticPrefersFirst == firstIsLonger { length.count += 1 }
                }
            }
        }
        return CriticDiagnostics(pairs: pairs.count, agreement: agree, humorAgreement: humor, consistencyAgreement: consistency, positionFlips: flips,
                                 lengthBias: length, abstentions: abstentions, ties: ties, prefersFirst: prefersFirst, prefersLonger: prefersLonger,
                                 baselines: Baselines(alwaysFirst: first, alwaysLonger: longer, coin: coin))
    }

    /// Counts one decided pair into `rate`: a hit when `choice` (first?) matches `truth` (first better?).
    private static func count(_ rate: inout Rate, _ choice: Bool, _ truth: Bool) {
        rate.denominator += 1
        if choice == truth { rate.count += 1 }
    }
}
