import Foundation
import HumorGym

/// People's pairwise judgements, for measuring a critic against humans (the paper's Table 1): a JSON-lines
/// file, one object a line,
///
///     {"prompt": "I am tired.", "first": "...", "second": "...", "preferred": 2}
///
/// with `prompt` optional, and `preferred` the humans' verdict: `1` or `2` (which response is better),
/// `"tie"`, or a probability in [0, 1] that the first is better (the share of annotators who chose it).
/// Blank lines are skipped; any other line that is not such an object is an error naming the file and line.
public struct HumanPair: Sendable, Equatable {
    public var prompt: String?
    public var first: String
    public var second: String
    /// P(the first is better), as the humans gave it: 1, 0, 0.5 for a tie, or their share.
    public var preferenceForFirst: Double

    public init(prompt: String?, first: String, second: String, preferenceForFirst: Double) {
        self.prompt = prompt
        self.first = first
        self.second = second
        self.preferenceForFirst = preferenceForFirst
    }

    /// Every pair of the file at `path`.
    public static func read(_ path: String) throws -> [HumanPair] {
        guard let data = FileManager.default.contents(atPath: path) else { throw HumorGymError("\(path): cannot read the human pairs file") }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> [HumanPair] {
        var pairs: [HumanPair] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            func problem(_ what: String) -> HumorGymError { HumorGymError("\(file):\(index + 1): \(what)") }
            let read: Line
            do { read = try JSONDecoder().decode(Line.self, from: Data(line.utf8)) } catch Line.Problem.preferred {
                throw problem("'preferred' must be 1, 2, \"tie\" or a probability in [0, 1] that the first is better")
            } catch {
                throw problem("not a JSON object of strings; each line is {\"prompt\": ..., \"first\": ..., \"second\": ..., \"preferred\": 1 | 2 | \"tie\" | P(first)}")
            }
            func text(_ value: String?, _ key: String) throws -> String {
                guard let value, !value.isEmpty else { throw problem("'\(key)' must be a non-empty string") }
                return value
            }
            let preference: Double
            switch read.preferred {
            case nil: throw problem("'preferred' is missing: 1, 2, \"tie\" or a probability in [0, 1] that the first is better")
            case .tie?: preference = 0.5
            case .number(let value)?:
                guard value == 2 || (0...1).contains(value) else {
                    throw problem("'preferred' must be 1, 2, \"tie\" or a probability in [0, 1]; got \(value)")
                }
                preference = value == 2 ? 0 : value  // 1 is both "the first" and P(first) = 1
            }
            pairs.append(HumanPair(prompt: try read.prompt.map { try text($0, "prompt") }, first: try text(read.first, "first"),
                                   second: try text(read.second, "second"), preferenceForFirst: preference))
        }
        guard !pairs.isEmpty else { throw HumorGymError("\(file): no pairs") }
        return pairs
    }

    /// One line as written; `preferred` is a number or "tie" (a boolean or another word is a problem).
    private struct Line: Decodable {
        enum Problem: Error { case preferred }
        enum Preferred: Decodable {
            case tie, number(Double)

            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let word = try? c.decode(String.self), word == "tie" { self = .tie } else if let value = try? c.decode(Double.self), value.isFinite {
                    self = .number(value)
                } else {
                    throw Problem.preferred
                }
            }
        }

        var prompt: String?
        var first: String?
        var second: String?
        var preferred: Preferred?
    }
}
