import Synchronization

/// Values appended from `@Sendable` callbacks (a learner's boundaries, a command's progress lines), read once
/// the work is done.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])

    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}
