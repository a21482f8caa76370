import Foundation
import HumorGym

/// The token bigrams the world's grammar produces, as a bit matrix over (previous, next) with extra
/// start and end tokens. Fluency is the share of a text's bigrams found here.
struct BigramSet: Sendable {
    private var bits: [UInt64]
    private let size: Int
    private var start: Int { size - 2 }
    private var end: Int { size - 1 }

    init(vocabularySize: Int) {
        size = vocabularySize + 2
        bits = Array(repeating: 0, count: (size * size + 63) / 64)
    }

    private func index(_ a: Int, _ b: Int) -> Int { a * size + b }

    mutating func insert(_ tokens: [Int32]) {
        var previous = start
        for t in tokens {
            let i = index(previous, Int(t))
            bits[i >> 6] |= 1 << UInt64(i & 63)
            previous = Int(t)
        }
        let i = index(previous, end)
        bits[i >> 6] |= 1 << UInt64(i & 63)
    }

    /// (known bigrams / all bigrams) * exp(-max(0, length - 18) / 8); 0 for an empty text.
    func fluency(_ tokens: [Int32]) -> Double {
        guard !tokens.isEmpty else { return 0 }
        var known = 0
        bits.withUnsafeBufferPointer { bits in
            func contains(_ a: Int, _ b: Int) -> Bool {
                guard a >= 0 && a < size && b >= 0 && b < size else { return false }
                let i = a * size + b
                return bits[i >> 6] & (1 << UInt64(i & 63)) != 0
            }
            var previous = start
            for t in tokens {
                if contains(previous, Int(t)) { known += 1 }
                previous = Int(t)
            }
            if contains(previous, end) { known += 1 }
        }
        let share = Double(known) / Double(tokens.count + 1)
        return tokens.count > 18 ? share * exp(-Double(tokens.count - 18) / 8) : share
    }
}
