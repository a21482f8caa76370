import Foundation
import LLM

/// What a run's LLM calls took, server by server and role by role (teacher, critic, evaluator): the server's
/// answers and tokens, the cache's share, the cost at the LLM file's prices. Written to `llm-usage.json` beside
/// the results, which hold only what the seed and the config decide (a replayed run's results stay the same
/// bytes, whatever it spent), and shown at the end of the run.
public struct LLMSpending: Codable, Sendable, Equatable {
    public struct Server: Codable, Sendable, Equatable {
        public var name: String
        public var model: String
        public var baseURL: String
        public var prices: LLMPrices
        public var roles: [Role]
        public var total: Role
    }

    public struct Role: Codable, Sendable, Equatable {
        /// A role's name, or "total".
        public var role: String
        public var usage: LLMUsage
        public var cost: Double
        public var hitRatio: Double?
    }

    public var servers: [Server]

    public init(_ pool: LLMClientPool) {
        servers = pool.open.map { spec, client in
            let prices = spec.endpoint.prices
            func role(_ name: String, _ usage: LLMUsage) -> Role {
                Role(role: name, usage: usage, cost: usage.cost(prices), hitRatio: usage.hitRatio)
            }
            let usage = client.usage
            return Server(name: spec.name, model: spec.endpoint.model, baseURL: spec.endpoint.baseURL, prices: prices,
                          roles: usage.keys.sorted().map { role($0.rawValue, usage[$0]!) },
                          total: role("total", usage.values.reduce(LLMUsage(), +)))
        }
    }

    /// Nothing was asked of any LLM.
    public var isEmpty: Bool { servers.allSatisfy { $0.roles.isEmpty } }

    /// A table a server, a row a role and the total.
    public func render() -> String {
        servers.filter { !$0.roles.isEmpty }.map { server in
            let header = "LLM calls to \(server.name) (\(server.model) at \(server.baseURL))"
                + (server.prices.prompt + server.prices.completion > 0
                   ? String(format: ", at %g and %g per million prompt and completion tokens", server.prices.prompt, server.prices.completion) : "")
            let columns = "  " + "role".padding(toLength: 11, withPad: " ", startingAt: 0)
                + ["answers", "from cache", "prompt tok", "answer tok", "cost"].map { $0.leftPadded(12) }.joined()
            let rows = (server.roles + (server.roles.count > 1 ? [server.total] : [])).map { r in
                "  " + r.role.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + [r.usage.answers, r.usage.cacheHits, r.usage.promptTokens, r.usage.completionTokens].map { "\($0)".leftPadded(12) }.joined()
                    + String(format: "%.4f", r.cost).leftPadded(12)
            }
            let ratio = server.total.hitRatio.map { String(format: "%.1f%%", 100 * $0) } ?? "-"
            let unmetered = server.total.usage.unmetered > 0 ? "; \(server.total.usage.unmetered) answers came without token counts" : ""
            return ([header, columns] + rows + ["  cache hit ratio \(ratio)\(unmetered)"]).joined(separator: "\n") + "\n"
        }.joined()
    }
}

/// What a dry run found, server by server: requests to send and answers the cache holds, by role, each count
/// exact or an estimate, with tokens and cost estimated from the cache's own history.
public struct DryRunSummary: Sendable {
    public struct Server: Sendable {
        public var name: String
        public var model: String
        public var count: LLMDryRun.Count
        public var history: ResponseCache.History
        public var prices: LLMPrices

        /// Tokens of the requests to send, at the history's rates (nil without history).
        public var tokens: (prompt: Double, completion: Double)? {
            guard let perCharacter = history.promptTokensPerCharacter, let perAnswer = history.completionTokensPerAnswer else { return nil }
            let requests = count.toSend.values.reduce(0, +)
            return (Double(count.characters) * perCharacter, Double(requests) * perAnswer)
        }
    }

    public var servers: [Server]

    public init(_ pool: LLMClientPool) throws {
        servers = try pool.open.compactMap { spec, client in
            guard let dryRun = client.dryRun else { return nil }
            return Server(name: spec.name, model: spec.endpoint.model, count: dryRun.count,
                          history: try client.cache?.history() ?? ResponseCache.History(), prices: spec.endpoint.prices)
        }
    }

    public func render() -> String {
        guard !servers.isEmpty else { return "dry run: this command asks no LLM anything; nothing would be sent\n" }
        return "dry run: nothing was sent, nothing written\n" + servers.map { server in
            let roles = Set(server.count.toSend.keys).union(server.count.fromCache.keys).sorted()
            let rows = roles.map { role in
                "  " + role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + "\(server.count.toSend[role] ?? 0)".leftPadded(9) + "\(server.count.fromCache[role] ?? 0)".leftPadded(12)
                    + (server.count.estimated.contains(role)
                       ? "   an estimate: these requests depend on answers a dry run cannot know" : "   exact")
            }
            let toSend = server.count.toSend.values.reduce(0, +)
            let estimate: String
            if toSend == 0 {
                estimate = "  every answer is in the cache: the run would cost nothing"
            } else if let tokens = server.tokens {
                let cost = server.prices.cost(prompt: Int(tokens.prompt.rounded()), completion: Int(tokens.completion.rounded()))
                estimate = String(format: "  about %.0f prompt and %.0f completion tokens, costing about %.4f (from the %d answers in the cache: %.3f prompt tokens a character, %.1f completion tokens an answer)",
                                  tokens.prompt, tokens.completion, cost, server.history.metered,
                                  server.history.promptTokensPerCharacter ?? 0, server.history.completionTokensPerAnswer ?? 0)
            } else {
                estimate = "  tokens and cost: no estimate, the cache holds no answer with the server's token counts yet"
            }
            return (["\(server.name) (\(server.model)):", "  role        to send  from cache"] + rows + [estimate]).joined(separator: "\n") + "\n"
        }.joined()
    }
}
