import Foundation
import HumorGym

/// The token bigrams the world's grammar produces, as a bit matrix over (previous, next) with extra
/// start and end tokens. Fluency is the share of a text's bigrams found here.
struct BigramSet: Sendable, Equatable {
    private var bits: [UInt64]
    private let size: Int
    private var start: Int { size - 2 }
    private var end: Int { size - 1 }

    init(vocabularySize: Int) {
        size = vocabularySize + 2
        bits = Array(repeating: 0, count: (size * size + 63) / 64)
    }

    private mutating func insert(_ a: Int, _ b: Int) {
        let i = a * size + b
        bits[i >> 6] |= 1 << UInt64(i & 63)
    }

    mutating func insert(_ tokens: [Int32]) {
        var previous = start
        for t in tokens {
            insert(previous, Int(t))
            previous = Int(t)
        }
        insert(previous, end)
    }

    /// Inserts the bigrams of every sentence made by taking one phrase from each slot in turn (an empty phrase
    /// skips its slot): what a grammar of independent choices can produce, without drawing from it.
    mutating func insert(everySentenceOf slots: [[[Int32]]]) {
        var ends = [start], next: [Int] = []  // the tokens a sentence so far can end with, and after this slot
        for slot in slots {
            next.removeAll(keepingCapacity: true)
            for phrase in slot {
                guard let first = phrase.first else {
                    for e in ends where !next.contains(e) { next.append(e) }
                    continue
                }
                for e in ends { insert(e, Int(first)) }
                for (a, b) in zip(phrase, phrase.dropFirst()) { insert(Int(a), Int(b)) }
                if !next.contains(Int(phrase.last!)) { next.append(Int(phrase.last!)) }
            }
            swap(&ends, &next)
        }
        for e in ends { insert(e, end) }
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
