import Foundation
import HumorGym
import Policies
import Transformer

/// A run's training state on disk, saved by ``Trainer/train(_:learners:run:checkpointing:progress:finished:)``
/// at every boundary (end of an epoch or round) and read back to resume: the phase it stood in (the warm
/// start or the learner, and which stage of a chain), that loop's ``LoopState``, once the warm start is done
/// its parameters (the first stage's reference and the evaluation's baseline), and from a chain's second
/// stage on, the parameters that stage started from (its reference). Safetensors, written atomically: a run killed at any
/// moment leaves the previous state or the new one, never half of one.
public struct RunCheckpoint: Sendable, Equatable {
    static let format = "humorgym-run-state-2"
    public static let warmStartPhase = "warm-start"

    /// Names the run that wrote it (seed, learner, specs); resuming a different run from it is an error.
    public var identity: String
    /// `warm-start`, or the learner's (or chain's) name.
    public var phase: String
    /// The chain's stage the loop belongs to, from 0 (0 for a single learner and the warm start).
    public var stage: Int
    public var loop: LoopState
    /// The warm start's parameters, once it is finished.
    public var start: [Double]?
    /// The parameters the chain's stage started from, for stages after the first.
    public var stageStart: [Double]?
    /// The parameters' stored precision: that of the policy (F32 for the transformer).
    public var dtype: SafeTensors.Tensor.DType

    public init(identity: String, phase: String, stage: Int = 0, loop: LoopState, start: [Double]?, stageStart: [Double]? = nil,
                dtype: SafeTensors.Tensor.DType) {
        self.identity = identity
        self.phase = phase
        self.stage = stage
        self.loop = loop
        self.start = start
        self.stageStart = stageStart
        self.dtype = dtype
    }

    public func encoded() throws -> Data {
        var tensors: [(String, SafeTensors.Tensor)] = [("parameters", loop.parameters), ("adam.m", loop.firstMoment), ("adam.v", loop.secondMoment)]
            .map { ($0, SafeTensors.Tensor(shape: [$1.count], values: $1, dtype: dtype)) }
        for (name, vector) in [("start", start), ("stage-start", stageStart)] {
            if let vector { tensors.append((name, SafeTensors.Tensor(shape: [vector.count], values: vector, dtype: dtype))) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // the same state, the same bytes
        let streams = try encoder.encode(loop.streams.mapValues { Data($0).base64EncodedString() })
        return try SafeTensors.encode(tensors, metadata: [
            "format": Self.format, "identity": identity, "phase": phase, "stage": String(stage), "algorithm": loop.algorithm,
            "unitsCompleted": String(loop.unitsCompleted), "step": String(loop.step), "streams": String(decoding: streams, as: UTF8.self),
        ])
    }

    public init(data: Data, file: String) throws {
        let (tensors, metadata) = try SafeTensors.decode(data, file: file)
        guard metadata["format"] == Self.format else {
            throw HumorGymError("\(file): not a HumorGym training state (format '\(metadata["format"] ?? "none")')")
        }
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else { throw HumorGymError("\(file): the training state lacks '\(key)'") }
            return value
        }
        func count(_ key: String) throws -> Int {
            guard let value = Int(try field(key)), value >= 0 else { throw HumorGymError("\(file): '\(key)' is not a count") }
            return value
        }
        func vector(_ name: String) throws -> SafeTensors.Tensor {
            guard let t = tensors[name], t.shape.count == 1 else { throw HumorGymError("\(file): tensor '\(name)' is missing or not a vector") }
            guard t.values.allSatisfy(\.isFinite) else { throw HumorGymError("\(file): tensor '\(name)' holds NaN or infinite values") }
            return t
        }
        guard let encodedStreams = try? JSONDecoder().decode([String: String].self, from: Data(try field("streams").utf8)) else {
            throw HumorGymError("\(file): 'streams' is not a JSON object of base64 strings")
        }
        var streams: [String: [UInt8]] = [:]
        for (name, text) in encodedStreams {
            guard let bytes = Data(base64Encoded: text) else { throw HumorGymError("\(file): stream '\(name)' is not base64") }
            streams[name] = Array(bytes)
        }
        let parameters = try vector("parameters")
        loop = LoopState(algorithm: try field("algorithm"), unitsCompleted: try count("unitsCompleted"), step: try count("step"),
                         parameters: parameters.values, firstMoment: try vector("adam.m").values,
                         secondMoment: try vector("adam.v").values, streams: streams)
        identity = try field("identity")
        phase = try field("phase")
        stage = try count("stage")
        start = tensors["start"] == nil ? nil : try vector("start").values
        stageStart = tensors["stage-start"] == nil ? nil : try vector("stage-start").values
        dtype = parameters.dtype
    }

    public func save(to path: String) throws { try SafeTensors.writeAtomically(encoded(), to: path) }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw HumorGymError("cannot read training state \(path)") }
        try self.init(data: data, file: path)
    }
}

/// Where a run keeps its training state: saved at every boundary to `path`; with `resume`, continued from it.
public struct RunCheckpointing: Sendable {
    public var path: String
    public var identity: String
    public var resume: Bool

    public init(path: String, identity: String, resume: Bool) {
        self.path = path
        self.identity = identity
        self.resume = resume
    }

    /// The saved state to continue from (nil when not resuming); refuses another run's state.
    func load() throws -> RunCheckpoint? {
        guard resume else { return nil }
        let saved = try RunCheckpoint(contentsOf: path)
        guard saved.identity == identity else {
            throw HumorGymError("\(path): the training state belongs to another run (\(saved.identity)); this run is \(identity)")
        }
        return saved
    }
}
