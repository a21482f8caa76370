import Foundation
import Stochastics

/// The world's hidden sense of humor, drawn once from the world seed and never shown to a learner.
///
/// How funny a twist is depends on the pair (prompt topic, twist noun) through a low-rank interaction,
/// plus the noun's and the situation's own appeal:
///     funny(t, n, s) = sigmoid(2 a_t . b_n + c_n + d_s)          (a_t, b_n ~ N(0, I/3) in R^3,
///                                                                c_n ~ N(0, 1), d_s ~ N(0, 0.8^2), d_none = -1)
/// so a student can learn it from examples, and a joke that works for one topic can fall flat on another.
struct HiddenHumor: Sendable {
    static let rank = 3
    /// `twist[(t * nouns + n) * (situations + 1) + s]`; the last situation slot is "no situation".
    let twist: [Double]
    let nounCount: Int
    let situationCount: Int
    let intensifierStrength: [Double]
    let openerBonus: [Double]
    let tagBonus: [Double]

    init(lexicon: CompiledLexicon, stream: RandomStream) {
        let topics = lexicon.topicNames.count
        let topicVectors = (0..<topics).map { _ in (0..<Self.rank).map { _ in stream.gaussian(sigma: 1 / Double(Self.rank).squareRoot()) } }
        let nounVectors = lexicon.twistNouns.map { _ in (0..<Self.rank).map { _ in stream.gaussian(sigma: 1 / Double(Self.rank).squareRoot()) } }
        let nounAppeal = lexicon.twistNouns.map { _ in stream.gaussian(sigma: 1.0) }
        let situationAppeal = lexicon.situations.map { _ in stream.gaussian(sigma: 0.8) } + [-1.0]
        nounCount = lexicon.twistNouns.count
        situationCount = lexicon.situations.count
        var twist: [Double] = []
        twist.reserveCapacity(topics * nounCount * (situationCount + 1))
        for t in 0..<topics {
            for n in 0..<nounCount {
                let affinity = zip(topicVectors[t], nounVectors[n]).reduce(0) { $0 + $1.0 * $1.1 }
                for d in situationAppeal { twist.append(Softmax.sigmoid(2 * affinity + nounAppeal[n] + d)) }
            }
        }
        self.twist = twist
        intensifierStrength = lexicon.intensifiers.map { _ in stream.gaussian(sigma: 0.03) }
        openerBonus = lexicon.openers.map { _ in stream.gaussian(sigma: 0.05) }
        // Explaining your own joke ("lol") is never funny.
        tagBonus = Lexicon.tags.map { $0 == "lol" ? -0.12 : stream.gaussian(sigma: 0.06) }
    }

    @inline(__always) func funny(topic: Int, noun: Int, situation: Int?) -> Double {
        twist[(topic * nounCount + noun) * (situationCount + 1) + (situation ?? situationCount)]
    }

    /// Exaggeration helps, then saturates, then hurts: the bonus for k intensifiers.
    @inline(__always) static func exaggeration(_ k: Int) -> Double {
        switch k {
        case 0: 0
        case 1: 0.10
        case 2: 0.16
        case 3: 0.04
        default: 0.04 - 0.1 * Double(k - 3)
        }
    }
}
