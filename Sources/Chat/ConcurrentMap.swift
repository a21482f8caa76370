extension Array where Element: Sendable {
    /// `transform` of every element, all started at once (the chat model, an HTTP client, bounds how many requests
    /// are in flight), the results in the array's order whatever order they arrive in.
    package func concurrentMap<R: Sendable>(_ transform: @escaping @Sendable (Element) async throws -> R) async throws -> [R] {
        try await withThrowingTaskGroup(of: (Int, R).self) { group in
            for (i, element) in enumerated() { group.addTask { (i, try await transform(element)) } }
            var out = [R?](repeating: nil, count: count)
            for try await (i, result) in group { out[i] = result }
            return out.map { $0! }
        }
    }
}
