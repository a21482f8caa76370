import Dispatch

/// Data parallelism for independent pieces of work (shards of a batch).
public enum Parallel {
    /// `body(0) ..< body(count - 1)` on up to `threads` threads, results in index order. Each index runs
    /// exactly once and nothing is shared between indices, so the results do not depend on `threads`.
    public static func map<T>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let workers = min(max(1, threads), count)
        guard workers > 1 else { return (0..<count).map(body) }
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedPointer(buffer.baseAddress!)
            // Worker w takes indices w, w + workers, ...: each slot is written by one thread only.
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in stride(from: w, to: count, by: workers) { out.pointer[i] = body(i) }
            }
        }
        return results.map { $0! }
    }
}

/// A pointer handed to parallel work that writes disjoint parts of its memory (or only reads it).
public struct UncheckedPointer<T>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<T>
    public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
