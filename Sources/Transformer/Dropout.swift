import LinearAlgebra
import Stochastics

/// Inverted dropout (Srivastava et al., 2014) for training passes: each element is kept with probability
/// 1 - rate and scaled by 1 / (1 - rate), so evaluation needs no rescaling. Backward multiplies the
/// gradient by the same mask.
///
/// A mask is a function of (key, site, element) through SplitMix64, not of a generator's state: the
/// training loop gives each step its own key, so a step's masks are the same whenever it is recomputed,
/// including after resuming from a checkpoint.
public struct Dropout: Sendable, Equatable {
    public var rate: Double
    public var key: UInt64

    public init(rate: Double, key: UInt64) {
        self.rate = rate
        self.key = key
    }

    /// The mask for elements offset ..< offset + count at one site of the network (0 or 1 / (1 - rate) each).
    func mask<S: BLASScalar>(count: Int, site: Int, offset: Int = 0) -> [S] {
        let scale = S(1 / (1 - rate)), coin = Coin(rate: rate), siteKey = Self.key(key, part: site)
        return (offset..<(offset + count)).map { i in coin.drops(siteKey &+ UInt64(i)) ? 0 : scale }
    }

    /// The key of part `index` (a site of the network, an example of a batch, a word of a text) of what `key`
    /// keys: parts draw apart, and each is the same whenever it is recomputed.
    static func key(_ key: UInt64, part index: Int) -> UInt64 { SeedSequence.splitMix(key ^ SeedSequence.splitMix(UInt64(index))) }

    /// The coin every dropout here tosses, a function of its key: a 53-bit uniform from SplitMix64 compared with
    /// the rate, exact for every rate a policy file accepts.
    struct Coin {
        let threshold: UInt64

        init(rate: Double) { threshold = UInt64(rate * 9_007_199_254_740_992) }

        func drops(_ key: UInt64) -> Bool { SeedSequence.splitMix(key) >> 11 < threshold }
    }

    /// values * mask, element by element; an empty mask (no dropout) leaves the values as they are.
    static func apply<S: BLASScalar>(_ mask: [S], to values: inout [S]) {
        guard !mask.isEmpty else { return }
        for i in values.indices { values[i] *= mask[i] }
    }
}
