import Charts
import Foundation
import HumorGym
import Learners
import LLM
import Stochastics
import Teachers
import Transformer

/// A sweep (``SweepSpec``) cut into units of work that run anywhere, in any order and any number of
/// processes, and merge into exactly what one process would have made.
///
/// The units: for each environment with an LLM teacher, the **teacher**'s outputs for every prompt (its
/// requests do not depend on the seed; asked once, every later unit reads them, so no two shards can get
/// different answers); for each environment, policy and seed, a **warm start** (the imitation every learner
/// starts from; its parameters are saved beside its results, and the first seed's also measures the
/// training critic); and for each learner variant a **learner run** from that warm start. A learner run
/// whose warm start is not saved yet trains it itself, with the same bits; saved, it is read, so a sweep
/// trains each warm start once however it is cut. Each unit writes its file whole (a temporary file,
/// then a rename) and only when done, so a killed unit leaves nothing, and running again does only what is
/// missing. A unit saved under other settings is an error, never silently reused.
///
/// Folder: `units/ENV/teacher.json`, `units/ENV/POLICY/seed-S/{warm_start,LEARNER}.json` (with
/// `warm_start.safetensors`, and `NAME.failed.json` for a unit that threw), and once merged `ENV/POLICY/` (what `compare` writes for that
/// cell of the grid) with `results.json` and `results.csv` for the whole grid at the top.
public struct Sweep: Sendable {
    public let spec: SweepSpec
    public let groups: [Group]
    public let seeds: [UInt64]
    public let units: [Unit]
    /// Threads for each transformer student's batches; results are the same for any count.
    public let threads: Int

    /// One environment and policy of the grid: the policy with the sweep's variants added, and every learner
    /// the sweep trains on it, in the sweep file's order.
    public struct Group: Sendable {
        /// Its environment's place in the sweep file's list.
        public let environmentIndex: Int
        public let environment: EnvironmentSpec
        public let policy: PolicySpec
        public let learners: [String]
        /// `ENV/POLICY`, each name as a run folder spells it.
        public var folder: String { "\(ResultsFolder.safeName(environment.name))/\(ResultsFolder.safeName(policy.name))" }
    }

    /// A unit of work: an environment's LLM teacher, the warm start of one group and seed, or one learner's
    /// run from it.
    public struct Unit: Sendable, Equatable {
        public enum Work: Sendable, Equatable {
            /// Of the first group of its environment (the teacher's requests depend on neither policy nor seed).
            case teacher
            case warmStart
            case learner(String)
        }

        public let group: Int
        public let seedIndex: Int
        public let work: Work
        /// Its place among the units of its kind, which decides its shard.
        public let position: Int

        /// The units of a kind run after those of the kinds before it.
        public var kind: Part {
            switch work {
            case .teacher: .teacher
            case .warmStart: .warmStarts
            case .learner: .learners
            }
        }
    }

    /// Which units a process runs: all, or one kind (on Slurm, each kind is a job array that waits for the
    /// one before it).
    public enum Part: String, Sendable, CaseIterable {
        case all, teacher, warmStarts = "warm-starts", learners

        /// The kinds of unit, in the order they run.
        public static let kinds: [Part] = [.teacher, .warmStarts, .learners]

        func contains(_ unit: Unit) -> Bool { self == .all || self == unit.kind }
    }

    public init(_ spec: SweepSpec, threads: Int = 1) throws {
        self.spec = spec
        self.threads = threads
        seeds = Experiment.seeds(root: spec.rootSeed, count: spec.seedCount)
        var groups: [Group] = []
        for (e, environment) in spec.environments.enumerated() {
            for policy in spec.policies { groups.append(try Self.group(e, environment, policy, learners: spec.learners)) }
        }
        self.groups = groups
        var teachers: [Unit] = [], warmStarts: [Unit] = [], learners: [Unit] = []
        for (g, group) in groups.enumerated() {
            if group.environment.world.teacherIsLLM, !groups[..<g].contains(where: { $0.environmentIndex == group.environmentIndex }) {
                teachers.append(Unit(group: g, seedIndex: 0, work: .teacher, position: teachers.count))
            }
            for s in seeds.indices {
                warmStarts.append(Unit(group: g, seedIndex: s, work: .warmStart, position: warmStarts.count))
                for learner in group.learners { learners.append(Unit(group: g, seedIndex: s, work: .learner(learner), position: learners.count)) }
            }
        }
        units = teachers + warmStarts + learners
    }

    /// The group's learners as the policy names them: a learner with no grid keeps its own name (so a sweep's
    /// default cell is `compare`'s), a named variant is `LEARNER/LABEL`, a grid point `LEARNER/KEY=VALUE/...`
    /// over the settings it changes from the policy's (a point that changes none is the learner itself).
    private static func group(_ environmentIndex: Int, _ environment: EnvironmentSpec, _ policy: PolicySpec,
                              learners grids: [SweepSpec.LearnerGrid]) throws -> Group {
        var policy = policy, names: [String] = []
        for grid in grids {
            for point in grid.points {
                let name: String
                if point.label == nil && point.settings.isEmpty {
                    do { name = try policy.learner(grid.learner).name } catch let error as HumorGymError {
                        throw HumorGymError("\(grid.location): \(error.message)")
                    }
                } else {
                    let settings = ParameterDictionary(point.settings.mapValues { .init($0) }, name: "\(grid.location) (policy \(policy.name))")
                    let resolved = try policy.resolvedSettings(of: grid.learner, with: settings), base = policy.hyperparameters[grid.learner] ?? [:]
                    let changed = resolved.keys.filter { resolved[$0] != base[$0] }.sorted()
                    name = point.label.map { "\(grid.learner)/\($0)" }
                        ?? ([grid.learner] + changed.map { "\($0)=\(resolved[$0]!)" }).joined(separator: "/")
                    if name != grid.learner, !names.contains(name) { policy = try policy.addingVariant(name, of: grid.learner, settings: settings) }
                }
                guard !names.contains(name) else {
                    throw HumorGymError("\(grid.location): the sweep trains '\(name)' twice on policy \(policy.name); each grid point must differ")
                }
                names.append(name)
            }
        }
        return Group(environmentIndex: environmentIndex, environment: environment, policy: policy, learners: names)
    }

    // MARK: Files

    public func seed(of unit: Unit) -> UInt64 { seeds[unit.seedIndex] }

    /// `units/ENV/teacher`, `units/ENV/POLICY/seed-S/warm_start` or `.../LEARNER` (as a run folder spells
    /// it), without an extension.
    public func path(of unit: Unit) -> String {
        let group = groups[unit.group], folder = "\(spec.out)/units/\(group.folder)/seed-\(seed(of: unit))"
        switch unit.work {
        case .teacher: return "\(spec.out)/units/\(ResultsFolder.safeName(group.environment.name))/teacher"
        case .warmStart: return "\(folder)/warm_start"
        case .learner(let learner): return "\(folder)/\(ResultsFolder.safeName(learner))"
        }
    }

    /// A readable name: `jokes/teacher`, `paraphrase/log-linear/seed-S/warm start`, `.../dpo`.
    public func label(of unit: Unit) -> String {
        let group = groups[unit.group], seed = "\(group.environment.name)/\(group.policy.name)/seed-\(seed(of: unit))"
        switch unit.work {
        case .teacher: return "\(group.environment.name)/teacher"
        case .warmStart: return "\(seed)/warm start"
        case .learner(let learner): return "\(seed)/\(learner)"
        }
    }

    /// What a unit's result depends on: a saved result is reused only under the same identity.
    func identity(of unit: Unit) throws -> String {
        let group = groups[unit.group]
        guard unit.work != .teacher else { return "\(Experiment.identity(environment: group.environment)); teacher" }
        var parts = Experiment.identity(environment: group.environment, policy: group.policy, seed: seed(of: unit))
        switch unit.work {
        case .teacher: break
        case .warmStart:
            parts.append("warm start")
            if unit.seedIndex == 0 { parts.append("critic pairs \(criticPairs(unit))") }
        case .learner(let learner):
            parts.append(Experiment.identity(learner: learner, settings: try group.policy.settings(of: learner)))
            parts.append(spec.curves.map { "curves every \($0.every) on \($0.prompts) prompts" } ?? "no curves")
        }
        return parts.joined(separator: "; ")
    }

    private func criticPairs(_ unit: Unit) -> Int { spec.criticPairs ?? groups[unit.group].environment.defaultCriticPairs }

    /// The warm-start unit `unit` starts from.
    private func warmStart(of unit: Unit) -> Unit {
        units.first { $0.work == .warmStart && $0.group == unit.group && $0.seedIndex == unit.seedIndex }!
    }

    /// The teacher unit of group `group`'s environment, when it has an LLM teacher.
    private func teacher(ofGroup group: Int) -> Unit? {
        units.first { $0.work == .teacher && groups[$0.group].environmentIndex == groups[group].environmentIndex }
    }

    /// What every file of a unit says first: the identity it was made under.
    protocol Saved: Codable {
        var identity: String { get }
    }

    /// A finished warm start's or learner run's file.
    struct UnitFile: Saved {
        var identity: String
        var results: SeedResults
        /// How long it took (never part of the merged results).
        var seconds: Double
    }

    /// A finished teacher unit's file: the LLM teacher's outputs for every prompt, which every other unit of
    /// its environment reads instead of asking again (a live LLM would answer otherwise), and its calls.
    struct TeacherFile: Saved {
        var identity: String
        var outputs: PerSplit<[[Text]]>
        var calls: LLMTeacher.Tally.Counts?
        var seconds: Double
    }

    /// A unit that threw, and why.
    struct FailedFile: Saved {
        var identity: String
        var error: String
    }

    // MARK: State

    /// Where a unit stands.
    public enum State: Sendable, Equatable {
        /// Done, in `seconds`.
        case done(seconds: Double)
        case failed(String)
        case missing
    }

    /// Every unit's state, read from the folder; a unit saved under other settings is an error.
    public func states() throws -> [State] {
        try units.map { unit in
            let identity = try identity(of: unit)
            let seconds = unit.work == .teacher ? try read(TeacherFile.self, unit, suffix: ".json", expecting: identity)?.seconds
                : try read(UnitFile.self, unit, suffix: ".json", expecting: identity)?.seconds
            if let seconds { return .done(seconds: seconds) }
            if let failed = try read(FailedFile.self, unit, suffix: ".failed.json", expecting: nil) { return .failed(failed.error) }
            return .missing
        }
    }

    /// The unit's file of `suffix`, or nil; one made under another identity than `expecting` is an error.
    private func read<T: Saved>(_ type: T.Type, _ unit: Unit, suffix: String, expecting identity: String?) throws -> T? {
        let path = path(of: unit) + suffix
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let file: T
        do { file = try ResultsWriter.decoder().decode(T.self, from: data) } catch {
            throw HumorGymError("\(path): not a sweep unit of this HumorGym (\(error)); delete it to run the unit again")
        }
        if let identity, file.identity != identity {
            throw HumorGymError("\(path) was made with other settings (\(file.identity)); this sweep's unit is \(identity). Use another `out`, or delete the folder to start over")
        }
        return file
    }

    // MARK: Running

    /// What a run did: units it finished, units that threw (with the error), and units found done; and the
    /// LLM clients its units shared, with what their calls took.
    public struct RunSummary: Sendable {
        public var finished: [Unit] = []
        public var failed: [(unit: Unit, error: String)] = []
        public var doneBefore: [Unit] = []
        public let llms: LLMClientPool
    }

    /// Runs the units of `shard` and `part` that are not done, at most `jobs` at once, kind after kind
    /// (teacher, warm starts, learner runs). A unit that throws is written down as failed and the others go
    /// on. `progress` hears of each unit as it ends.
    ///
    /// One of several shards records new LLM answers in cache files of its own (`NAME.PART-I-of-N.sqlite`
    /// beside each LLM's cache, which it reads too): `humorgym cache merge` gathers them. With `replay`, every
    /// LLM answers only from its cache, as merged. A request budget is per process, so per shard.
    public func run(shard: Shard = .all, part: Part = .all, jobs: Int = 1, replay: Bool = false,
                    progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> RunSummary {
        let states = try states()
        let cache: LLMClientPool.CacheUse = replay ? .replay : shard.count == 1 ? .asConfigured : .separate("\(part.rawValue)-\(shard.index)-of-\(shard.count)")
        let llms = LLMClientPool(cache: cache)
        let experiments = Experiments(groups: groups, threads: threads, llms: llms)
        let mine = units.indices.filter { shard.contains(units[$0].position) && part.contains(units[$0]) }
        var summary = RunSummary(llms: llms)
        summary.doneBefore = mine.filter { if case .done = states[$0] { true } else { false } }.map { units[$0] }
        let todo = mine.filter { if case .done = states[$0] { false } else { true } }
        var count = 0
        for batch in Part.kinds.map({ kind in todo.filter { units[$0].kind == kind } }) {
            try await batch.forEachConcurrently(limit: jobs, { index in
                let unit = units[index]
                do {
                    return (unit, Result<Double, HumorGymError>.success(try await self.execute(unit, experiment: try experiments.get(unit.group), replay: replay)))
                } catch {
                    let message = (error as? HumorGymError)?.message ?? "\(error)"
                    try self.write(FailedFile(identity: try self.identity(of: unit), error: message), unit, suffix: ".failed.json")
                    return (unit, .failure(HumorGymError(message)))
                }
            }) { _, outcome in
                count += 1
                switch outcome.1 {
                case .success(let seconds):
                    summary.finished.append(outcome.0)
                    progress(String(format: "%@: done in %.1f s (%d of %d)", label(of: outcome.0), seconds, count, todo.count))
                case .failure(let error):
                    summary.failed.append((outcome.0, error.message))
                    progress("\(label(of: outcome.0)): failed: \(error.message) (\(count) of \(todo.count))")
                }
            }
        }
        return summary
    }

    /// Computes `unit` and writes its file (and a warm start's parameters before it); its seconds.
    private func execute(_ unit: Unit, experiment: Experiment, replay: Bool) async throws -> Double {
        let clock = ContinuousClock(), began = clock.now
        var teacherOutputs: PerSplit<[[Text]]>?
        if let teacher = teacher(ofGroup: unit.group), unit.work != .teacher {
            teacherOutputs = try read(TeacherFile.self, teacher, suffix: ".json", expecting: try identity(of: teacher))?.outputs
            // Replayed, the teacher answers as its unit was answered; live, it would answer otherwise.
            guard teacherOutputs != nil || replay else {
                throw HumorGymError("the LLM teacher's unit (\(label(of: teacher))) has not run: it asks the teacher once for every unit; run it first (--part teacher)")
            }
        }
        let run = try await experiment.run(seed: seed(of: unit), teacherOutputs: teacherOutputs)
        var record = SeedRecord(experiment: experiment, run: run, curves: spec.curves)
        switch unit.work {
        case .teacher: break  // asking the teacher was the work
        case .warmStart:
            if unit.seedIndex == 0, criticPairs(unit) > 0 { try await record.diagnoseCritic(pairs: criticPairs(unit)) }
            let saved = try await experiment.withStudent { student in try await Self.warmStart(student, into: &record) }
            try ResultsWriter.prepare(directory: URL(fileURLWithPath: path(of: unit)).deletingLastPathComponent().path)
            try SafeTensors.writeAtomically(try SafeTensors.encode([("parameters", saved)], metadata: [
                "format": Self.warmStartFormat, "identity": try identity(of: unit),
            ]), to: path(of: unit) + ".safetensors")
        case .learner(let learner):
            let chain = try experiment.policySpec.learner(learner)
            let warmStart = try savedWarmStart(for: unit)
            try await experiment.withStudent { student in try await Self.train(student, chain, from: warmStart, into: &record) }
        }
        let seconds = (clock.now - began).seconds, identity = try identity(of: unit)
        if unit.work == .teacher {
            try write(TeacherFile(identity: identity, outputs: run.teacherOutputs, calls: record.results.calls, seconds: seconds), unit, suffix: ".json")
        } else {
            try write(UnitFile(identity: identity, results: record.results, seconds: seconds), unit, suffix: ".json")
        }
        try? FileManager.default.removeItem(atPath: path(of: unit) + ".failed.json")
        return seconds
    }

    static let warmStartFormat = "humorgym-warm-start-1"

    private static func warmStart<P: TrainablePolicy>(_ student: P, into record: inout SeedRecord) async throws -> SafeTensors.Tensor {
        let start = try await record.train(student, learners: []).start
        return SafeTensors.Tensor(shape: [start.parameters.count], values: start.parameters.map(Double.init),
                                  dtype: MemoryLayout<P.Scalar>.size == 4 ? .f32 : .f64)
    }

    private static func train<P: TrainablePolicy>(_ student: P, _ chain: LearnerChain, from warmStart: [Double]?, into record: inout SeedRecord) async throws {
        _ = try await record.train(student, learners: [chain], warmStart: warmStart)
    }

    /// The parameters the unit's warm-start unit saved, or nil when it has not run (the learner run trains
    /// the warm start itself, with the same bits).
    private func savedWarmStart(for unit: Unit) throws -> [Double]? {
        let warm = warmStart(of: unit)
        let path = path(of: warm) + ".safetensors"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let (tensors, metadata) = try SafeTensors.decode(data, file: path)
        let identity = try identity(of: warm)
        guard metadata["format"] == Self.warmStartFormat, metadata["identity"] == identity, let parameters = tensors["parameters"] else {
            throw HumorGymError("\(path) is not this sweep's warm start (\(metadata["identity"] ?? "no identity")); delete it and \(self.path(of: warm)).json to train it again")
        }
        return parameters.values
    }

    private func write(_ value: some Encodable, _ unit: Unit, suffix: String) throws {
        let url = URL(fileURLWithPath: path(of: unit) + suffix)
        try ResultsWriter.prepare(directory: url.deletingLastPathComponent().path)
        try ResultsWriter.write(ResultsWriter.json(value), named: url.lastPathComponent, in: url.deletingLastPathComponent().path)
    }

    // MARK: Merging

    /// Gathers every unit into `ENV/POLICY/` results folders (each what `compare` writes for that cell) and
    /// the grid's `results.json` and `results.csv`; an error, naming how many, while any unit is not done.
    public func merge() throws -> SweepReport {
        let states = try states()
        let missing = states.filter { if case .done = $0 { false } else { true } }.count
        guard missing == 0 else {
            throw HumorGymError("\(missing) of \(units.count) units are not done (`humorgym sweep status \(spec.file)` lists them); run them first")
        }
        var cells: [SweepReport.Cell] = [], csv: [String] = []
        for (g, group) in groups.enumerated() {
            var seedResults: [SeedResults] = [], seconds = 0.0
            for s in seeds.indices {
                let parts = try units.filter { $0.work != .teacher && $0.group == g && $0.seedIndex == s }.map { unit in
                    try read(UnitFile.self, unit, suffix: ".json", expecting: try identity(of: unit))!
                }
                seconds += parts.map(\.seconds).reduce(0, +)
                seedResults.append(SeedResults.combining(parts.map(\.results)))
            }
            // The teacher was asked once, by its own unit: its calls, on the first seed.
            if let teacher = teacher(ofGroup: g) {
                let file = try read(TeacherFile.self, teacher, suffix: ".json", expecting: try identity(of: teacher))!
                for s in seedResults.indices { seedResults[s].calls = s == 0 ? file.calls : nil }
            }
            let folder = try ResultsFolder(environment: group.environment.name, policy: group.policy, algorithms: group.learners,
                                           rootSeed: spec.rootSeed, curves: spec.curves, seeds: seedResults, totalSeconds: seconds)
            try folder.write(to: "\(spec.out)/\(group.folder)")
            cells.append(SweepReport.Cell(folder: group.folder, report: folder.report))
            let prefix = "\(CSV.field(group.environment.name)),\(CSV.field(group.policy.name)),"
            // compare's long format, its header once, each row after the cell's environment and policy.
            let lines = ResultsWriter.csv(folder.report).split(separator: "\n")
            if csv.isEmpty { csv.append("environment,policy," + lines[0]) }
            csv += lines.dropFirst().map { prefix + $0 }
        }
        let report = SweepReport(sweep: spec.name, rootSeed: spec.rootSeed, seeds: seeds, cells: cells)
        try ResultsWriter.write(ResultsWriter.json(report), named: "results.json", in: spec.out)
        try ResultsWriter.write(Data((csv.joined(separator: "\n") + "\n").utf8), named: "results.csv", in: spec.out)
        return report
    }
}

/// Each group's experiment, assembled once per run when a unit first needs it, all on one pool of LLM clients.
private final class Experiments: @unchecked Sendable {
    private let lock = NSLock()
    private let groups: [Sweep.Group]
    private let threads: Int
    private let llms: LLMClientPool
    private var built: [Experiment?]

    init(groups: [Sweep.Group], threads: Int, llms: LLMClientPool) {
        self.groups = groups
        self.threads = threads
        self.llms = llms
        built = Array(repeating: nil, count: groups.count)
    }

    func get(_ group: Int) throws -> Experiment {
        try lock.withLock {
            if let experiment = built[group] { return experiment }
            let experiment = try Experiment(environment: groups[group].environment, policy: groups[group].policy, threads: threads,
                                            llms: llms)
            built[group] = experiment
            return experiment
        }
    }
}
