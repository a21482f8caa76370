import Chat
import Foundation
import GRDB
@testable import LLM
import Testing


/// The client against a real HTTP server on loopback: each fault ends in a retry that succeeds, or in a
/// clear error with nothing already answered lost.
@Suite struct LLMClientTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-llm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func endpoint(_ server: ScriptedServer?, cache mode: LLMEndpoint.CacheMode = .off, file: String = "cache.sqlite") -> LLMEndpoint {
        var e = LLMEndpoint(baseURL: server?.baseURL ?? "http://127.0.0.1:9/v1", model: "scripted")
        e.backoff = 0.01
        e.maxBackoff = 0.5
        // Long enough that no answer times out on a loaded machine (the test process's two cooperative threads may
        // be busy elsewhere for seconds, and then a timeout and an answer race); the hanging server sets its own.
        e.timeout = 60
        e.cache = .init(path: directory.appendingPathComponent(file).path, mode: mode)
        return e
    }

    func request(_ text: String) -> ChatRequest {
        ChatRequest(model: "scripted", messages: [.user(text)], temperature: 0, maxTokens: 16)
    }

    @Test(arguments: [
        ("429 with Retry-After", ScriptedServer.Reply.status(429, headers: ["Retry-After": "0.2"])),
        ("500", .status(500)), ("503", .status(503)),
        ("malformed JSON", .json(status: 200, body: "{\"choices\": [", headers: [:])),
        ("empty choices", .json(status: 200, body: "{\"choices\": []}", headers: [:])),
        ("truncated body", .truncated("{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"hi")),
        ("connection reset", .reset),
        // No answer ever, rather than a late one: a timing race would make the test depend on the machine's load.
        ("no answer within the timeout", .hang),
    ])
    func aFaultIsRetried(fault: String, reply: ScriptedServer.Reply) async throws {
        let server = try ScriptedServer { n, _ in n == 0 ? reply : .answer("Answer: 2") }
        defer { server.stop() }
        var e = endpoint(server)
        if case .hang = reply { e.timeout = 2 }
        let client = try LLMClient(e)
        let started = ContinuousClock.now
        let response = try await client.complete(request("which is funnier?"))
        #expect(response.text == "Answer: 2", "\(fault)")
        #expect(client.statistics.sent == 2 && client.statistics.retries == 1)
        if fault.hasPrefix("429") { #expect(ContinuousClock.now - started >= .milliseconds(200), "Retry-After honoured") }
    }

    @Test func retriesRunOutWithAClearErrorAndARejectionIsNotRetried() async throws {
        let server = try ScriptedServer { _, body in body.contains("bad") ? .status(400) : .status(503) }
        defer { server.stop() }
        var e = endpoint(server)
        e.retries = 2
        let client = try LLMClient(e)
        await #expect(throws: LLMError.retriesExhausted(url: "\(server.baseURL)/chat/completions", attempts: 3,
                                                       last: #"HTTP 503: {"error":{"message":"scripted 503"}}"#)) {
            try await client.complete(request("anything"))
        }
        await #expect(throws: LLMError.rejected(url: "\(server.baseURL)/chat/completions", status: 400,
                                               body: #"{"error":{"message":"scripted 400"}}"#)) {
            try await client.complete(request("bad request"))
        }
        #expect(server.received.count == 4)
    }

    /// A run stopped half-way (here by its budget) keeps every answer; started again, it sends only the rest.
    @Test func theCacheKeepsWhatWasAnsweredAndResendsNothing() async throws {
        let server = try ScriptedServer { n, _ in .answer("answer \(n)") }
        defer { server.stop() }
        var e = endpoint(server, cache: .readWrite)
        e.requestBudget = 3
        let first = try LLMClient(e)
        for i in 0..<3 { _ = try await first.complete(request("prompt \(i)")) }
        await #expect(throws: LLMError.budgetExhausted(budget: 3)) { try await first.complete(request("prompt 3")) }
        #expect(try first.cache!.count == 3)

        e.requestBudget = 100
        let second = try LLMClient(e)
        var texts: [String] = []
        for i in 0..<5 { texts.append(try await second.complete(request("prompt \(i)")).text!) }
        #expect(texts == ["answer 0", "answer 1", "answer 2", "answer 3", "answer 4"])
        #expect(second.statistics.sent == 2 && second.statistics.cacheHits == 3)
        #expect(server.received.count == 5)
    }

    /// Equal requests at once (two seeds asking the same teacher prompt) are sent once and share the answer, so
    /// what a replay gives is what the live run saw. (Whether they overlap or follow each other, one request.)
    @Test func equalRequestsInFlightAreSentOnce() async throws {
        let server = try ScriptedServer { n, _ in .slow(seconds: 0.3, .answer("answer \(n)")) }
        defer { server.stop() }
        let client = try LLMClient(endpoint(server, cache: .readWrite))
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<5 { group.addTask { try await client.complete(request("same")).text! } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(texts == Array(repeating: "answer 0", count: 5))
        #expect(server.received.count == 1 && client.statistics.sent == 1 && client.statistics.cacheHits == 4)
    }

    /// A cassette: replay-only answers offline and names the request it does not have.
    /// Merging caches: what one lacks is added, an answer alike in its choices is the same (whatever ids and
    /// timings the server wrote around it), another answer is a conflict that keeps the first; in key order.
    @Test func mergingCachesKeepsTheFirstAnswerAndReportsTheOthers() throws {
        func body(_ text: String, id: String) -> String {
            #"{"choices":[{"finish_reason":"stop","index":0,"message":{"content":"\#(text)","role":"assistant"}}],"id":"\#(id)","timings":{"ms":\#(id.count)}}"#
        }
        let a = try ResponseCache(path: directory.appendingPathComponent("a.sqlite").path)
        let b = try ResponseCache(path: directory.appendingPathComponent("b.sqlite").path)
        try a.record(key: "k1", request: "r1", response: body("Answer: 1", id: "x"))
        try a.record(key: "k2", request: "r2", response: body("Answer: 2", id: "x"))
        try b.record(key: "k2", request: "r2", response: body("Answer: 2", id: "yy"))  // the same answer, other id and timings
        try b.record(key: "k3", request: "r3", response: body("Answer: 1", id: "y"))
        try b.record(key: "k1", request: "r1", response: body("Answer: 2", id: "y"))  // answered otherwise
        try b.record(key: "k0", request: "r0", response: body("Answer: 2", id: "y"))  // answered otherwise
        try a.record(key: "k0", request: "r0", response: body("Answer: 1", id: "x"))
        let merge = try a.merge(from: b)
        #expect(merge.added == 1 && merge.same == 1 && merge.conflicts == [.init(key: "k0", request: "r0"), .init(key: "k1", request: "r1")])
        #expect(try a.count == 4 && a.answer(for: "k1") == body("Answer: 1", id: "x") && a.answer(for: "k3") == body("Answer: 1", id: "y"))
        #expect(try a.merge(from: b) == .init(added: 0, same: 2, conflicts: merge.conflicts))  // merging again changes nothing
    }

    /// A separate cache (one of several processes): new answers go to `NAME.SUFFIX.sqlite`; the shared cache is
    /// read, never written.
    @Test func aSeparateCacheRecordsApartAndReadsTheSharedOne() async throws {
        let server = try ScriptedServer { _, body in .answer(body.contains("old") ? "live old" : "live new") }
        defer { server.stop() }
        let shared = try ResponseCache(path: directory.appendingPathComponent("cache.sqlite").path)
        let old = ResponseCache.key(for: request("old question"))
        try shared.record(key: old.key, request: old.json,
                          response: #"{"choices":[{"index":0,"message":{"content":"cached old","role":"assistant"}}],"id":"x"}"#)
        var e = endpoint(server, cache: .readWrite)
        e.cache = e.cache.separate("learners-1-of-3")
        #expect(e.cache.path == directory.appendingPathComponent("cache.learners-1-of-3.sqlite").path && e.cache.shared == shared.path)
        let client = try LLMClient(e)
        #expect(try await client.complete(request("old question")).text == "cached old")
        #expect(try await client.complete(request("new question")).text == "live new")
        #expect(try server.received.count == 1 && shared.count == 1)
        #expect(try ResponseCache(path: e.cache.path!, readOnly: true).count == 1)
        // Replay and off are left as they are: they write nothing.
        #expect(LLMEndpoint.CacheSettings(path: "c.sqlite", mode: .replay).separate("x") == .init(path: "c.sqlite", mode: .replay))
        #expect(LLMEndpoint.CacheSettings.off.separate("x") == .off)
    }

    @Test func replayOnlyIsOfflineAndAMissIsAnError() async throws {
        let server = try ScriptedServer { _, _ in .answer("recorded") }
        _ = try await LLMClient(endpoint(server, cache: .record)).complete(request("judge this"))
        server.stop()
        let replay = try LLMClient(endpoint(nil, cache: .replay))  // a port nothing listens on
        #expect(try await replay.complete(request("judge this")).text == "recorded")
        let missing = request("never asked")
        let key = ResponseCache.key(for: missing).key
        await #expect(throws: LLMError.notRecorded(cache: directory.appendingPathComponent("cache.sqlite").path, key: key,
                                                   request: #"model scripted, "never asked""#)) {
            try await replay.complete(missing)
        }
        #expect(replay.statistics.sent == 0)
        // Replay writes nothing: the cassette's bytes stay as recorded, and a cassette that is not there is an error.
        let path = directory.appendingPathComponent("cache.sqlite").path
        let recorded = try Data(contentsOf: URL(fileURLWithPath: path))
        _ = try await replay.complete(request("judge this"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == recorded)
        try FileManager.default.removeItem(atPath: path)
        #expect(throws: LLMError.invalidConfiguration("no recorded answers at \(path) to replay")) { try LLMClient(endpoint(nil, cache: .replay)) }
    }

    @Test func theKeyIsSentButNeverStored() async throws {
        let server = try ScriptedServer { _, _ in .answer("ok") }
        defer { server.stop() }
        var e = endpoint(server, cache: .readWrite)
        e.apiKeyVariable = "HUMORGYM_TEST_KEY"
        #expect(throws: LLMError.missingAPIKey(variable: "HUMORGYM_TEST_KEY")) { try LLMClient(e, environment: [:]) }
        let client = try LLMClient(e, environment: ["HUMORGYM_TEST_KEY": "sk-secret-123"])
        _ = try await client.complete(request("hello"))
        #expect(server.received.map(\.authorization) == ["Bearer sk-secret-123"])
        let stored = try Data(contentsOf: directory.appendingPathComponent("cache.sqlite"))
        #expect(stored.range(of: Data("sk-secret-123".utf8)) == nil)
        #expect(!server.received[0].body.contains("sk-secret"))
    }

    @Test func concurrencyIsBounded() async throws {
        let server = try ScriptedServer { n, _ in .slow(seconds: 0.5, .answer("\(n)")) }
        defer { server.stop() }
        var e = endpoint(server)
        e.maxConcurrentRequests = 2
        let client = try LLMClient(e)
        try await withThrowingTaskGroup(of: String?.self) { group in
            for i in 0..<8 { group.addTask { try await client.complete(self.request("p\(i)")).text } }
            for try await _ in group {}
        }
        #expect(server.received.count == 8)
        #expect((1...2).contains(server.mostInFlight))  // without the limit, eight 0.5 s answers overlap
    }

    @Test func theCacheKeyCoversWhatShapesTheAnswerOnly() {
        var a = request("x")
        let key = ResponseCache.key(for: a).key
        #expect(key.count == 64)
        a.temperature = 0.8
        #expect(ResponseCache.key(for: a).key != key)
        a.temperature = 0
        a.seed = 1
        #expect(ResponseCache.key(for: a).key != key)
        a.seed = nil
        #expect(ResponseCache.key(for: a).key == key)
        #expect(LLMClient.seconds(retryAfter: "2") == 2)
        #expect(LLMClient.seconds(retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT") == 0)  // in the past
        #expect(LLMClient.seconds(retryAfter: "soon") == nil)
    }
}
