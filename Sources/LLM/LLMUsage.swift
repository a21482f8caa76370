/// Who an LLM call is for, so that tokens and costs are counted by the part of the method that spent them.
public enum LLMRole: String, Sendable, Codable, CaseIterable, Comparable {
    case teacher, critic, evaluator
    /// Calls made on the client itself (`humorgym judge`, tests).
    case other

    public static func < (a: LLMRole, b: LLMRole) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// What one role's calls took: answers from the server and from the cache, and the server's token counts.
public struct LLMUsage: Sendable, Equatable, Codable {
    /// Answers the server gave (one a request, however many attempts it took).
    public var answers = 0
    /// Answers from the cache, or shared with an equal request in flight: free.
    public var cacheHits = 0
    /// Tokens of the server's answers, as its `usage` says.
    public var promptTokens = 0
    public var completionTokens = 0
    /// Server answers that carried no `usage` (their tokens are not in the counts).
    public var unmetered = 0

    public init() {}

    public static func + (a: LLMUsage, b: LLMUsage) -> LLMUsage { a.combined(with: b, by: +) }

    /// What was counted between `earlier` and `self`.
    public func since(_ earlier: LLMUsage) -> LLMUsage { combined(with: earlier, by: -) }

    /// Every count of `self` and `other` combined by `operation`.
    private func combined(with other: LLMUsage, by operation: (Int, Int) -> Int) -> LLMUsage {
        var s = LLMUsage()
        for count in [\LLMUsage.answers, \.cacheHits, \.promptTokens, \.completionTokens, \.unmetered] {
            s[keyPath: count] = operation(self[keyPath: count], other[keyPath: count])
        }
        return s
    }

    /// The share of calls answered from the cache (nil before any call).
    public var hitRatio: Double? { answers + cacheHits == 0 ? nil : Double(cacheHits) / Double(answers + cacheHits) }

    /// What the server's tokens cost at `prices`.
    public func cost(_ prices: LLMPrices) -> Double { prices.cost(prompt: promptTokens, completion: completionTokens) }
}

/// Prices per million tokens, in whatever currency the user keeps accounts in.
public struct LLMPrices: Sendable, Equatable, Codable {
    public var prompt: Double
    public var completion: Double

    public init(prompt: Double, completion: Double) {
        self.prompt = prompt
        self.completion = completion
    }

    public func cost(prompt p: Int, completion c: Int) -> Double { (Double(p) * prompt + Double(c) * completion) / 1_000_000 }
}
