/// What can go wrong talking to an LLM server; every message names the endpoint or the request, never the key.
public enum LLMError: Error, Equatable, CustomStringConvertible {
    /// A status that retrying cannot fix (400, 401, 404, ...), with the start of the server's answer.
    case rejected(url: String, status: Int, body: String)
    /// Every attempt failed with a fault that retrying could have fixed; the last one is named.
    case retriesExhausted(url: String, attempts: Int, last: String)
    /// The run's request budget is spent: no more HTTP requests are sent.
    case budgetExhausted(budget: Int)
    /// The answers so far cost `spent`, and the budget is `budget`: no more HTTP requests are sent.
    case costBudgetExhausted(budget: Double, spent: Double)
    /// Replay-only mode and the request is not in the cache.
    case notRecorded(cache: String, key: String, request: String)
    /// The API key's environment variable is named but not set.
    case missingAPIKey(variable: String)
    case invalidConfiguration(String)
    /// A body that is not a chat completion with a message (read from `source`: a cache, or a server).
    case unusableAnswer(source: String, body: String)
    /// A pointwise answer without a score.
    case noScore(answer: String)

    public var description: String {
        switch self {
        case .rejected(let url, let status, let body): "\(url): HTTP \(status): \(body)"
        case .retriesExhausted(let url, let attempts, let last): "\(url): gave up after \(attempts) attempts; last: \(last)"
        case .budgetExhausted(let budget): "the request budget of \(budget) HTTP requests is spent (raise llm.requestBudget, or use the cache)"
        case .costBudgetExhausted(let budget, let spent): "the cost budget of \(budget) is spent (\(spent) so far, at the LLM's prices; raise llm.costBudget, or use the cache)"
        case .notRecorded(let cache, let key, let request): "\(cache): replay-only, and request \(key) is not recorded: \(request)"
        case .missingAPIKey(let variable): "the API key variable \(variable) is not set"
        case .invalidConfiguration(let why): "LLM endpoint: \(why)"
        case .unusableAnswer(let source, let body): "\(source): not a chat completion with a message: \(body)"
        case .noScore(let answer): "the critic's answer has no \"Score: N\" (N in 1-10): \(answer)"
        }
    }
}
