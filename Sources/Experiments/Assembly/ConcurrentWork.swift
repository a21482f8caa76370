extension Array where Element: Sendable {
    /// Runs `work` on every element, at most `limit` at once, and hands each result with its element's index
    /// to `finished` as it arrives (on the caller's task, one at a time): what a study's seeds, cells and units
    /// share. Results arrive in any order; whatever `finished` keeps must not depend on it.
    func forEachConcurrently<R: Sendable>(limit: Int, _ work: @escaping @Sendable (Element) async throws -> R,
                                          finished: (Int, R) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: (Int, R).self) { group in
            var next = 0
            func launch() {
                let index = next, element = self[index]
                next += 1
                group.addTask { (index, try await work(element)) }
            }
            while next < Swift.min(Swift.max(1, limit), count) { launch() }
            while let (index, result) = try await group.next() {
                try await finished(index, result)
                if next < count { launch() }
            }
        }
    }
}
