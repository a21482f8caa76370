import Foundation
import HumorGym
import Stochastics

/// Human jokes as setup -> punchline pairs, in the Official Joke API's format: a JSON array of
/// `{"type", "setup", "punchline"}` records (the project's copy: `data/official-joke-api/jokes.json`, MIT; users
/// point the loader at their own file in the same format).
public struct JokeCorpus: Sendable, Equatable {
    public struct Joke: Sendable, Equatable, Codable {
        public var type: String
        public var setup: String
        public var punchline: String

        public init(type: String, setup: String, punchline: String) {
            self.type = type
            self.setup = setup
            self.punchline = punchline
        }
    }

    public let jokes: [Joke]

    public init(jokes: [Joke]) { self.jokes = jokes }

    /// Reads and checks a file; every problem is an error that names the file and, for a bad record, its index.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw HumorGymError("cannot read the joke file \(path)") }
        guard let records = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
            throw HumorGymError("\(path): not a JSON array of jokes")
        }
        var jokes: [Joke] = []
        for (i, record) in records.enumerated() {
            guard let fields = record as? [String: Any] else { throw HumorGymError("\(path): joke \(i) is not an object") }
            func text(_ key: String) throws -> String {
                guard let value = fields[key] as? String else { throw HumorGymError("\(path): joke \(i) has no text '\(key)'") }
                return value.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let joke = Joke(type: (try? text("type")) ?? "general", setup: try text("setup"), punchline: try text("punchline"))
            guard !joke.setup.isEmpty, !joke.punchline.isEmpty else { throw HumorGymError("\(path): joke \(i) has an empty setup or punchline") }
            jokes.append(joke)
        }
        guard !jokes.isEmpty else { throw HumorGymError("\(path): no jokes") }
        self.jokes = jokes
    }

    /// Train, test or OOD for each joke, by a seeded hash of its setup: the same setup always lands in the same
    /// split, whatever the file's order or other contents. `ood` holds the jokes of `oodTypes` (say,
    /// "programming"); the rest are split `testFraction` to test.
    public func split(seed: UInt64, testFraction: Double, oodTypes: Set<String> = []) -> [Split] {
        jokes.map { joke in
            if oodTypes.contains(joke.type) { return .ood }
            let u = Double(SeedSequence(root: seed).seed(for: joke.setup) >> 11) / 9_007_199_254_740_992
            return u < testFraction ? .test : .train
        }
    }
}
