import Synchronization

/// The named random streams of one component (a learner, say), remembered so that their states can be
/// saved together and restored: a run resumed from those states draws exactly the numbers the run that
/// never stopped would have drawn.
///
/// Asking twice for one name gives the same stream; every stream starts from ``SeedSequence/stream(_:)``
/// or, when resuming, from its saved state.
public final class RandomStreams: Sendable {
    public let seeds: SeedSequence
    private let saved: [String: [UInt8]]
    private let streams = Mutex<[String: RandomStream]>([:])
    private let owners = Mutex<[String: any RandomStateOwner]>([:])

    /// - Parameter states: states from ``states()`` to continue from (a name without one starts afresh).
    public init(seeds: SeedSequence, restoring states: [String: [UInt8]] = [:]) {
        self.seeds = seeds
        self.saved = states
    }

    /// The stream called `name`; throws when a saved state does not fit the generator.
    public func stream(_ name: String) throws -> RandomStream {
        try streams.withLock { streams in
            if let existing = streams[name] { return existing }
            let stream = seeds.stream(name)
            if let state = saved[name] { try stream.restore(state) }
            streams[name] = stream
            return stream
        }
    }

    /// Counts a component that owns its generator (a critic, say) among the streams under `name`: it
    /// continues from its saved state now, if there is one, and its state is saved with the others.
    public func track(_ name: String, _ owner: any RandomStateOwner) throws {
        if let state = saved[name] { try owner.restoreRandomState(state) }
        owners.withLock { $0[name] = owner }
    }

    /// The state of every stream handed out or tracked so far, and of saved ones not yet asked for, by name.
    public func states() -> [String: [UInt8]] {
        let current = streams.withLock { $0.mapValues(\.state) }.merging(owners.withLock { $0.mapValues(\.randomState) }) { a, _ in a }
        return saved.merging(current) { _, now in now }
    }
}

/// A component that draws from a generator of its own and can save and restore that generator's state.
public protocol RandomStateOwner: AnyObject, Sendable {
    var randomState: [UInt8] { get }
    func restoreRandomState(_ state: [UInt8]) throws
}
