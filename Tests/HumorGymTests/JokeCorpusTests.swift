import Foundation
import HumorGym
import Testing
import Worlds

@Suite struct JokeCorpusTests {
    @Test func theOfficialJokesLoadAndSplitByTheirSetup() throws {
        let corpus = try JokeCorpus(contentsOf: Fixtures.jokesFile)
        #expect(corpus.jokes.count == 451)
        #expect(corpus.jokes[0] == .init(type: "general", setup: "What did the fish say when it hit the wall?", punchline: "Dam."))
        let splits = corpus.split(seed: 1, testFraction: 0.2, oodTypes: ["programming"])
        #expect(splits.filter { $0 == .ood }.count == 64)
        let test = Double(splits.filter { $0 == .test }.count) / Double(451 - 64)
        #expect(abs(test - 0.2) < 0.06)  // 387 Bernoulli(0.2) draws: 3 standard errors
        // A setup's split depends on the setup and the seed only, not on the file's order.
        let reversed = JokeCorpus(jokes: corpus.jokes.reversed()).split(seed: 1, testFraction: 0.2, oodTypes: ["programming"])
        #expect(Array(reversed.reversed()) == splits)
        #expect(corpus.split(seed: 2, testFraction: 0.2) != corpus.split(seed: 1, testFraction: 0.2))
    }

    @Test func badFilesAreClearErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-jokes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func error(_ text: String) -> String {
            let path = directory.appendingPathComponent("jokes.json").path
            try? text.write(toFile: path, atomically: true, encoding: .utf8)
            do { _ = try JokeCorpus(contentsOf: path); return "no error" } catch { return "\(error)" }
        }
        #expect(error("{\"setup\": 1}").contains("not a JSON array of jokes"))
        #expect(error("[{\"setup\": \"a\", \"punchline\": \"b\"}, {\"setup\": \"c\"}]").contains("joke 1 has no text 'punchline'"))
        #expect(error("[{\"setup\": \" \", \"punchline\": \"b\"}]").contains("joke 0 has an empty setup or punchline"))
        #expect(error("[]").contains("no jokes"))
        #expect((try? JokeCorpus(contentsOf: "/nonexistent/jokes.json")) == nil)
    }
}
