internal import CGSL

/// A seeded Mersenne Twister (GSL's `mt19937`) and the draws HumorGym needs.
///
/// Always seeded explicitly: GSL's environment variables (`GSL_RNG_SEED`, `GSL_RNG_TYPE`) are never read.
/// A stream is a reference (one generator, many callers in sequence); give each component its own stream
/// from a ``SeedSequence`` rather than sharing one.
public final class RandomStream: RandomNumberGenerator {
    private let rng: UnsafeMutablePointer<gsl_rng>
    public let seed: UInt64

    public init(seed: UInt64) {
        GSL.disableAbortingErrorHandler()
        guard let rng = gsl_rng_alloc(humorgym_rng_mt19937()) else {
            fatalError("GSL could not allocate a random number generator (out of memory)")
        }
        self.rng = rng
        self.seed = seed
        // mt19937 takes 32 bits of seed; fold all 64 so that seeds differing only in the high half differ.
        gsl_rng_set(rng, UInt(truncatingIfNeeded: (seed ^ (seed >> 32)) & 0xffff_ffff))
    }

    deinit { gsl_rng_free(rng) }

    /// The generator's whole state (GSL's `gsl_rng_state` bytes): restoring it continues the stream
    /// exactly where it was, which is what resuming a training run needs.
    public var state: [UInt8] {
        let bytes = UnsafeRawBufferPointer(start: gsl_rng_state(rng), count: gsl_rng_size(rng))
        return Array(bytes)
    }

    /// Continues from a state taken from ``state``.
    public func restore(_ state: [UInt8]) throws {
        guard state.count == gsl_rng_size(rng) else {
            throw RandomStreamError.stateSize(found: state.count, expected: gsl_rng_size(rng))
        }
        state.withUnsafeBytes { gsl_rng_state(rng)!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// 64 random bits (two 32-bit draws), so the stream also serves Swift's `shuffle(using:)` and friends.
    public func next() -> UInt64 {
        let high = UInt64(gsl_rng_get(rng)) & 0xffff_ffff
        let low = UInt64(gsl_rng_get(rng)) & 0xffff_ffff
        return (high << 32) | low
    }

    /// Uniform on [0, 1).
    @inline(__always) public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// Uniform on {0, ..., count - 1}.
    public func integer(below count: Int) -> Int {
        precondition(count > 0 && count <= Int(UInt32.max), "integer(below:) needs 0 < count <= 2^32 - 1")
        return Int(gsl_rng_uniform_int(rng, UInt(count)))
    }

    /// Normal with mean 0 and the given standard deviation (GSL's ziggurat).
    @inline(__always) public func gaussian(sigma: Double) -> Double { gsl_ran_gaussian_ziggurat(rng, sigma) }

    /// Bernoulli(p).
    @inline(__always) public func bernoulli(_ p: Double) -> Bool { gsl_rng_uniform(rng) < p }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public func categorical(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0 && total.isFinite, "categorical(weights:) needs a positive finite total")
        var target = uniform() * total
        var last = 0
        for (index, w) in weights.enumerated() where w > 0 {
            last = index
            target -= w
            if target < 0 { return index }
        }
        return last  // rounding left a sliver past the end
    }

    /// An index drawn from softmax(logits / temperature).
    public func categorical(logits: [Double], temperature: Double = 1) -> Int {
        categorical(weights: Softmax.probabilities(logits, temperature: temperature))
    }

    /// A uniformly random permutation of 0..<count (Fisher-Yates on this stream).
    public func permutation(_ count: Int) -> [Int] {
        var items = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                items.swapAt(i, integer(below: i + 1))
            }
        }
        return items
    }
}

public enum RandomStreamError: Error, Equatable, CustomStringConvertible {
    case stateSize(found: Int, expected: Int)

    public var description: String {
        switch self {
        case .stateSize(let found, let expected): "a random stream state of \(found) bytes; mt19937's is \(expected)"
        }
    }
}
