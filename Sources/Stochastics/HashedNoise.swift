import Foundation

/// Noise that is a fixed function of its inputs: a standard normal draw keyed by (seed, salt, tokens).
///
/// For persistent quirks (a teacher's or a critic's own taste for one response): the same response always
/// gets the same value, whoever asks and in whatever order, with no generator state to share.
public enum HashedNoise {
    public static func gaussian(seed: UInt64, salt: Int, tokens: [Int32]) -> Double {
        // FNV-1a over the tokens (cheap, on the critic's hot path), then SplitMix64 to spread the bits.
        var hash = SeedSequence.splitMix(seed ^ (UInt64(bitPattern: Int64(salt)) &* 0x9e37_79b9_7f4a_7c15))
        for t in tokens { hash = (hash ^ UInt64(UInt32(bitPattern: t))) &* 0x0000_0100_0000_01b3 }
        hash = SeedSequence.splitMix(hash)
        // Box-Muller on two 53-bit uniforms taken from the hash.
        let u1 = (Double(hash >> 11) + 0.5) / 9_007_199_254_740_992
        let u2 = Double(SeedSequence.splitMix(hash) >> 11) / 9_007_199_254_740_992
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
