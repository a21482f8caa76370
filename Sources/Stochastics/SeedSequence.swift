/// Derives independent, reproducible seeds from one root seed.
///
/// Every component asks for its own stream by name, so adding a component never shifts another
/// component's random numbers: `derive("critic")` depends only on the root seed and the string "critic".
public struct SeedSequence: Sendable, Hashable, Codable {
    public let root: UInt64

    public init(root: UInt64) { self.root = root }

    /// A seed for the named component: FNV-1a of the name, mixed with the root by SplitMix64.
    public func seed(for name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Self.splitMix(root ^ Self.splitMix(hash))
    }

    /// A child sequence, for components that derive streams of their own (for example one per seed of a sweep).
    public func child(_ name: String) -> SeedSequence { SeedSequence(root: seed(for: name)) }

    /// A fresh generator for the named component.
    public func stream(_ name: String) -> RandomStream { RandomStream(seed: seed(for: name)) }

    /// SplitMix64's finaliser: a bijection on 64 bits with good avalanche.
    public static func splitMix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
