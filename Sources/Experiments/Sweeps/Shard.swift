import HumorGym

/// One of `count` equal parts of a sweep's units, `index` counted from 0: unit k of each kind (warm starts,
/// learner runs) belongs to shard k mod count, so every shard gets its share of both and the assignment
/// depends on nothing but the plan.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The whole sweep, in one process.
    public static let all = Shard(validIndex: 0, count: 1)

    private init(validIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw HumorGymError("a sweep is cut into at least 1 shard, got \(count)") }
        guard (0..<count).contains(index) else { throw HumorGymError("shard \(index) of \(count): shards are counted from 0 to \(count - 1)") }
        self.init(validIndex: index, count: count)
    }

    /// `I/N`, as `--shard` takes it.
    public init(_ text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw HumorGymError("--shard '\(text)': expected I/N, shard I (from 0) of N")
        }
        try self.init(index: index, count: count)
    }

    /// The shard a job engine's own variables name, so one command line serves every engine: a Slurm job
    /// array's task (`SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN`, of `SLURM_ARRAY_TASK_COUNT`), or a
    /// Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` of `shards` (which the job spec passes as `--shards`).
    /// Nil when neither is there.
    public static func fromEnvironment(_ variables: [String: String], shards: Int?) throws -> Shard? {
        func number(_ name: String) throws -> Int? {
            guard let text = variables[name] else { return nil }
            guard let value = Int(text) else { throw HumorGymError("\(name)='\(text)' is not a whole number") }
            return value
        }
        if let id = try number("SLURM_ARRAY_TASK_ID") {
            guard let count = try number("SLURM_ARRAY_TASK_COUNT") else {
                throw HumorGymError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")
            }
            let first = try number("SLURM_ARRAY_TASK_MIN") ?? 0
            do { return try Shard(index: id - first, count: count) } catch let error as HumorGymError {
                throw HumorGymError("the Slurm array task \(id) (from \(first), \(count) tasks) names no shard: \(error.message); an array's indices must be consecutive")
            }
        }
        if let index = try number("JOB_COMPLETION_INDEX") {
            guard let shards else { throw HumorGymError("JOB_COMPLETION_INDEX is set: pass the job's completions as --shards N") }
            return try Shard(index: index, count: shards)
        }
        if shards != nil { throw HumorGymError("--shards N goes with a Kubernetes Indexed Job's JOB_COMPLETION_INDEX, which is not set; use --shard I/N") }
        return nil
    }

    /// Whether the `position`-th unit of its kind belongs here.
    public func contains(_ position: Int) -> Bool { position % count == index }

    public var description: String { "\(index)/\(count)" }
}
