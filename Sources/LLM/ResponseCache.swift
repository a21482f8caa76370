import Chat
import Crypto
import Foundation
import GRDB

/// Answers already received, in a SQLite file (GRDB): key -> (request, answer), one row per request.
///
/// The key is the SHA-256 of the request's canonical JSON (sorted keys): model, messages, sampling
/// parameters and seed, never the URL or the API key, so a cassette recorded against one server replays
/// against any. Each answer is committed as it arrives: a run killed half-way keeps everything answered.
public final class ResponseCache: Sendable {
    public let path: String
    private let database: DatabaseQueue

    /// Opens (or creates) the file. `readOnly` (replay) opens an existing file without writing to it, so a
    /// cassette committed beside a test stays as it is.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        do {
            if readOnly {
                guard FileManager.default.fileExists(atPath: path) else { throw LLMError.invalidConfiguration("no recorded answers at \(path) to replay") }
                var configuration = Configuration()
                configuration.readonly = true
                database = try DatabaseQueue(path: path, configuration: configuration)
                return
            }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            database = try DatabaseQueue(path: path)
            try database.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS responses (
                        key TEXT PRIMARY KEY NOT NULL,
                        request TEXT NOT NULL,
                        response TEXT NOT NULL)
                    """)
            }
        } catch let error as LLMError {
            throw error
        } catch {
            throw LLMError.invalidConfiguration("cannot open the response cache \(path): \(error)")
        }
    }

    /// The request's canonical JSON and its key.
    public static func key(for request: ChatRequest) -> (key: String, json: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try! encoder.encode(request)  // strings and numbers only: encoding cannot fail
        let key = SHA256.hash(data: json).map { String(format: "%02x", $0) }.joined()
        return (key, String(decoding: json, as: UTF8.self))
    }

    /// The recorded answer's body, if any.
    public func answer(for key: String) throws -> String? {
        try database.read { db in try String.fetchOne(db, sql: "SELECT response FROM responses WHERE key = ?", arguments: [key]) }
    }

    public func record(key: String, request: String, response: String) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO responses (key, request, response) VALUES (?, ?, ?)",
                           arguments: [key, request, response])
        }
    }

    /// What the recorded answers took, over those that carry the server's `usage`: what a dry run's estimate
    /// of tokens rests on.
    public struct History: Sendable, Equatable {
        /// Recorded answers with `usage`.
        public var metered = 0
        /// Characters of their requests' messages, and their tokens.
        public var characters = 0
        public var promptTokens = 0
        public var completionTokens = 0

        /// Prompt tokens a character of a request, and completion tokens an answer (nil without history).
        public var promptTokensPerCharacter: Double? { characters == 0 ? nil : Double(promptTokens) / Double(characters) }
        public var completionTokensPerAnswer: Double? { metered == 0 ? nil : Double(completionTokens) / Double(metered) }

        public init() {}
    }

    public func history() throws -> History {
        try database.read { db in
            var history = History()
            let rows = try Row.fetchCursor(db, sql: "SELECT request, response FROM responses")
            while let row = try rows.next() {
                let request: String = row["request"], response: String = row["response"]
                guard let usage = try? JSONDecoder().decode(ChatResponse.self, from: Data(response.utf8)).usage,
                      let asked = try? JSONDecoder().decode(ChatRequest.self, from: Data(request.utf8)) else { continue }
                history.metered += 1
                history.characters += asked.messages.reduce(0) { $0 + $1.content.count }
                history.promptTokens += usage.promptTokens
                history.completionTokens += usage.completionTokens
            }
            return history
        }
    }

    /// What ``merge(from:)`` did with another cache's answers.
    public struct Merge: Sendable, Equatable {
        public var added = 0
        /// Answers this cache already had, the same (``sameAnswer(_:_:)``).
        public var same = 0
        /// Requests both caches answered, differently (sorted by key): this cache's answer is kept.
        public var conflicts: [Conflict] = []

        public struct Conflict: Sendable, Equatable {
            public var key: String
            /// The request's canonical JSON.
            public var request: String
        }
    }

    /// Adds every answer of `other` this cache lacks, in one transaction; a request both answered keeps this
    /// cache's answer, and is reported. Merging the files of a sweep's shards in a fixed order so gives one
    /// answer per request whatever order the shards ran in.
    public func merge(from other: ResponseCache) throws -> Merge {
        let rows = try other.database.read { db in
            try Row.fetchAll(db, sql: "SELECT key, request, response FROM responses ORDER BY key").map {
                (key: $0["key"] as String, request: $0["request"] as String, response: $0["response"] as String)
            }
        }
        return try database.write { db in
            var merge = Merge()
            for row in rows {
                switch try String.fetchOne(db, sql: "SELECT response FROM responses WHERE key = ?", arguments: [row.key]) {
                case nil:
                    try db.execute(sql: "INSERT INTO responses (key, request, response) VALUES (?, ?, ?)", arguments: [row.key, row.request, row.response])
                    merge.added += 1
                case let kept? where Self.sameAnswer(kept, row.response): merge.same += 1
                default: merge.conflicts.append(.init(key: row.key, request: row.request))
                }
            }
            return merge
        }
    }

    /// Whether two recorded bodies answer alike: the same choices (texts and log-probabilities), whatever
    /// ids, timestamps and timings the server wrote around them.
    static func sameAnswer(_ a: String, _ b: String) -> Bool {
        guard a != b else { return true }
        let decoder = JSONDecoder()
        guard let x = try? decoder.decode(ChatResponse.self, from: Data(a.utf8)), let y = try? decoder.decode(ChatResponse.self, from: Data(b.utf8)) else {
            return false
        }
        return x.choices == y.choices
    }

    public var count: Int {
        get throws { try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM responses") ?? 0 } }
    }
}
