import Chat
import Critics
import Foundation
import HumorGym
import LLM
import Synchronization

/// The LLM path's figures: what a cache hit costs, and judging throughput against a real server at several
/// concurrency levels, beside the server's own rate for the same requests sent by wrk.
enum LLMThroughput {
    /// Microseconds per answer from the cache (replay-only, so no request can reach a server), over `count`
    /// recorded requests.
    static func cacheHitMicroseconds(count: Int = 2000) async throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var endpoint = LLMEndpoint(baseURL: "http://127.0.0.1:9/v1", model: "cached")
        endpoint.cache = .init(path: directory.appendingPathComponent("cache.sqlite").path, mode: .replay)
        let requests = (0..<count).map { ChatRequest(model: "cached", messages: [.user("pair \($0)")], temperature: 0, maxTokens: 64) }
        let cache = try ResponseCache(path: endpoint.cache.path!)
        for r in requests {
            let (key, json) = ResponseCache.key(for: r)
            try cache.record(key: key, request: json, response: #"{"choices":[{"message":{"role":"assistant","content":"Answer: 1"}}]}"#)
        }
        let client = try LLMClient(endpoint)
        let elapsed = try await ContinuousClock().measure { for r in requests { _ = try await client.complete(r) } }
        return seconds(elapsed) / Double(count) * 1e6
    }

    /// The judge's requests for `pairs` (max_tokens 64, verdicts held to the JSON schema as `llms/local.yaml`
    /// asks): what both HumorGym and wrk send.
    static func requests(url: String, pairs: [(String, String, String)]) throws -> [ChatRequest] {
        var endpoint = LLMEndpoint(baseURL: url, model: "SmolLM2-135M-Instruct")
        endpoint.maxTokens = 64
        endpoint.structured = .jsonSchema
        let judge = LLMJudge(model: try LLMClient(endpoint))
        return pairs.map { judge.request(prompt: $0.0, first: $0.1, second: $0.2) }
    }

    /// Requests answered per second by LLMClient (no cache) the way wrk measures: `concurrency` workers, each
    /// sending the next of the requests (cycling through them) as soon as its last is answered, for `duration`
    /// seconds; the answers finished in that time over the time.
    static func clientRate(url: String, requests: [ChatRequest], concurrency: Int, duration: Double) async throws -> Double {
        var endpoint = LLMEndpoint(baseURL: url, model: requests[0].model)
        endpoint.maxConcurrentRequests = concurrency
        endpoint.timeout = 300
        let client = try LLMClient(endpoint)
        final class Turn: Sendable { let next = Mutex(0) }
        let turn = Turn()
        let clock = ContinuousClock(), start = clock.now, deadline = start + .milliseconds(Int(duration * 1000))
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var count = 0
                    while clock.now < deadline {
                        let i = turn.next.withLock { n in defer { n += 1 }; return n % requests.count }
                        _ = try await client.complete(requests[i])
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(answered) / seconds(clock.now - start)
    }

    /// wrk cycling through the same request bodies with `connections` open for `duration` seconds:
    /// requests per second, or nil (and why) when wrk is not installed.
    static func wrkRate(url: String, requests: [ChatRequest], connections: Int, duration: Int) -> (Double?, String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bodies = requests.map { String(decoding: try! encoder.encode($0), as: UTF8.self) }
        // Lua long brackets of a level no body contains.
        let lua = """
            wrk.method = "POST"
            wrk.headers["Content-Type"] = "application/json"
            local bodies = {\(bodies.map { "[==[\($0)]==]" }.joined(separator: ",\n"))}
            local i = 0
            request = function()
              i = i % #bodies + 1
              return wrk.format(nil, nil, nil, bodies[i])
            end
            """
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-wrk-\(UUID().uuidString).lua")
        defer { try? FileManager.default.removeItem(at: script) }
        guard (try? lua.write(to: script, atomically: true, encoding: .utf8)) != nil else { return (nil, "cannot write the wrk script") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["wrk", "-t1", "-c\(connections)", "-d\(duration)s", "--timeout", "300s", "-s", script.path, url + "/chat/completions"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        guard (try? process.run()) != nil else { return (nil, "cannot run /usr/bin/env") }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // env exits with 127 when it finds no such program.
        if process.terminationStatus == 127 { return (nil, "wrk not found (apt-get install wrk)") }
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").first(where: { $0.contains("Requests/sec:") }),
              let rate = Double(line.split(separator: " ").last ?? "") else {
            return (nil, "wrk failed: \(text.suffix(200))")
        }
        return (rate, "wrk")
    }
}
