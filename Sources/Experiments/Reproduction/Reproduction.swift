import Critics
import Foundation
import HumorGym
import Learners
import Stochastics

/// `humorgym reproduce`: the experiments of "Small But Funny" (``Paper``) in the simulated world, seed by seed,
/// and the tables they make (``ReproductionTables``).
///
/// The work is cut into cells, one per seed and kind: the critics' diagnostics (Table 1), and training on all
/// of the data, on one third or on two thirds of it (each a warm start and the learners the chosen tables
/// need, as `compare` trains them). A finished cell is saved to `cells/` in the output folder at once, so a
/// killed `reproduce` rerun with the same arguments skips it; a cell saved under other settings is an error,
/// never silently reused.
///
/// The paper judges its students by its 70B critic (Llama-2, also the training critic) and by GPT-4, an
/// independent evaluator. Here the training critic judges again on a stream of its own, and the independent
/// evaluator is the environment's separate evaluator when it names one, else ``independentEvaluator``; the
/// gold judge stands for the paper's human study.
public struct Reproduction: Sendable {
    public enum Table: String, CaseIterable, Sendable, Codable {
        case table1, table2, table3, table4, table6, rq5
    }

    /// The paper's GPT-4, when the environment names no evaluator of its own: a mock critic with a taste of
    /// its own (another taste seed), a stronger judge than the training critic (less taste noise, so it agrees
    /// more with gold), and milder position and length biases. Chosen once, for every table.
    public static let independentEvaluator: MockCritic.Configuration = {
        var c = MockCritic.Configuration()
        c.tasteSeed = 2
        c.tasteNoise = 0.9
        c.positionBias = 0.25
        c.lengthBias = 0.2
        return c
    }()

    /// The curves over training (RQ5's lengths): every boundary, on the first 64 test prompts.
    public static let curves = try! CurveSettings(every: 1, prompts: 64)

    public let experiment: Experiment
    public let rootSeed: UInt64
    public let seeds: [UInt64]
    public let tables: [Table]
    /// Cells run at once.
    public let concurrency: Int

    /// - Parameters:
    ///   - tables: which tables to make (all, in the paper's order, by default).
    ///   - dryRun: its LLM clients count what they would send, and send nothing.
    public init(environment: EnvironmentSpec, policy: PolicySpec, threads: Int = 1, seedCount: Int, rootSeed: UInt64 = 0,
                tables: [Table] = Table.allCases, concurrency: Int = 2, dryRun: Bool = false) throws {
        guard seedCount >= 1 else { throw HumorGymError("--seeds must be at least 1, got \(seedCount)") }
        guard !tables.isEmpty else { throw HumorGymError("--only names no table") }
        guard case .paraphrase(var paraphrase) = environment.world else {
            throw HumorGymError("reproduce needs the paraphrase world, whose gold judge stands for the paper's annotators; environment '\(environment.name)' is the jokes world")
        }
        if case .separate = paraphrase.evaluator {} else { paraphrase.evaluator = .separate(.mock(Self.independentEvaluator)) }
        var environment = environment
        environment.world = .paraphrase(paraphrase)
        experiment = try Experiment(environment: environment, policy: policy, threads: threads, llms: LLMClientPool(dryRun: dryRun))
        self.rootSeed = rootSeed
        seeds = Experiment.seeds(root: rootSeed, count: seedCount)
        self.tables = Table.allCases.filter(tables.contains)
        self.concurrency = max(1, concurrency)
        _ = try cells()  // every learner and variant resolves now, before any work
    }

    /// `--only table2,table4`: the tables named, or a clear error.
    public static func tables(_ list: String) throws -> [Table] {
        try list.split(separator: ",").map { name in
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let table = Table(rawValue: trimmed) else {
                throw HumorGymError("--only: unknown table '\(trimmed)'; known: \(Table.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return table
        }
    }

    // MARK: The cells

    /// The training data a cell uses: all of it, or a share of the training prompts (Table 4).
    public enum Data: String, Sendable, Codable, CaseIterable {
        case all, third, twoThirds = "two-thirds"

        var share: (numerator: Int, denominator: Int) {
            switch self {
            case .all: (3, 3)
            case .third: (1, 3)
            case .twoThirds: (2, 3)
            }
        }
    }

    /// A learner as a table needs it: the learner or chain the policy names, and the settings it changes from
    /// the policy's (empty: the policy's own).
    struct Variant: Sendable {
        var chain: LearnerChain
        var learner: String
        var changes: [String: String]
        /// Measure it at every boundary of training (RQ5's lengths over training).
        var curve: Bool
    }

    /// One unit of work for one seed.
    struct Cell: Sendable {
        enum Work: Sendable {
            case critics
            case training(Data, [Variant])
        }

        var seed: UInt64
        var work: Work

        var name: String {
            switch work {
            case .critics: "critics"
            case .training(let data, _): "train-\(data.rawValue)"
            }
        }

        var file: String { "\(name)-seed-\(seed).json" }
    }

    /// The name of BRIO with feedback every `k` of its 10 epochs (Table 4).
    static func brioEvery(_ k: Int) -> String { "brio/every-\(k)" }
    /// The name of a learner trained without the length filter (RQ5).
    static func unfiltered(_ learner: String) -> String { "\(learner)/no-filter" }
    /// The learners RQ5 trains with and without the length filter.
    static let filtered = ["sd", "brio", "dpo"]

    /// The units of work (cells) the chosen tables need.
    public var cellCount: Int { get throws { try cells().count } }

    /// Every cell the chosen tables need, seed by seed, in a fixed order.
    func cells() throws -> [Cell] {
        let spec = experiment.policySpec
        func learner(_ name: String, curve: Bool = false) throws -> Variant {
            Variant(chain: try spec.learner(name), learner: name, changes: [:], curve: curve)
        }
        func variant(_ name: String, of learner: String, _ changes: [String: String], curve: Bool = false) throws -> Variant {
            let settings = ParameterDictionary(changes.mapValues { ParameterDictionary.Value($0) }, name: "reproduce: \(name)")
            return Variant(chain: try spec.variant(name, of: learner, overriding: settings), learner: learner, changes: changes, curve: curve)
        }
        let has = Set(tables)
        var all: [Variant] = []
        if !has.isDisjoint(with: [.table2, .table3, .table6, .rq5]) {
            all += try Paper.students.map { try learner($0.learner, curve: has.contains(.rq5) && Self.filtered.contains($0.learner)) }
        } else if has.contains(.table4) {
            all += try [learner("imitation"), learner("brio")]
        }
        if has.contains(.table4) {
            all += try Paper.table4Feedback.map { try variant(Self.brioEvery($0.every), of: "brio", ["epochs": "10", "feedbackEvery": String($0.every)]) }
        }
        if has.contains(.rq5) {
            all += try Self.filtered.map { try variant(Self.unfiltered($0), of: $0, ["maxLengthRatio": "0"], curve: true) }
        }
        let shares = has.contains(.table4) ? try [Data.third, .twoThirds].map { ($0, [try learner("imitation"), try learner("brio")]) } : []
        return seeds.flatMap { seed in
            (has.contains(.table1) ? [Cell(seed: seed, work: .critics)] : [])
                + (all.isEmpty ? [] : [Cell(seed: seed, work: .training(.all, all))])
                + shares.map { Cell(seed: seed, work: .training($0.0, $0.1)) }
        }
    }

    /// What a cell was made with: a saved cell is reused only under the same identity.
    func identity(_ cell: Cell) throws -> String {
        let spec = experiment.policySpec
        var parts = experiment.identity(seed: cell.seed) + ["cell \(cell.name)"]
        if case .training(_, let variants) = cell.work {
            for v in variants {
                parts.append(Experiment.identity(learner: v.chain.name, settings: try spec.settings(of: v.learner).merging(v.changes) { _, new in new }))
            }
        }
        return parts.joined(separator: "; ")
    }

    // MARK: Records

    /// A learner's outcome in one cell and seed: its metrics by split (with the evaluation panel) and, where
    /// asked, its curve over training (``curves``).
    public struct LearnerRecord: Sendable, Codable, Equatable {
        public var data: Data
        public var seed: UInt64
        public var learner: String
        public var steps: Int
        public var metrics: [String: SplitMetrics]
        public var curve: [CurvePoint]?
    }

    /// A critic measured as the paper's Table 1: `critic` (the training critic) or `evaluator`.
    public struct CriticRecord: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var judge: String
        public var diagnostics: CriticDiagnostics
    }

    /// A saved cell.
    struct CellFile: Codable {
        var identity: String
        var learners: [LearnerRecord]
        var critics: [CriticRecord]
    }

    // MARK: Running

    /// How `run`'s progress line ends for a cell found saved.
    public static let doneBefore = ": done before"

    /// Runs every cell not already saved under `directory`/cells, then returns every record. `progress` hears
    /// of each cell as it finishes (or is found done).
    public func run(directory: String, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws
        -> (learners: [LearnerRecord], critics: [CriticRecord]) {
        let cells = try cells()
        let folder = URL(fileURLWithPath: directory).appendingPathComponent("cells")
        try ResultsWriter.prepare(directory: folder.path)
        var done = [CellFile?](repeating: nil, count: cells.count)
        var pending: [Int] = []
        for (index, cell) in cells.enumerated() {
            let url = folder.appendingPathComponent(cell.file)
            guard let data = FileManager.default.contents(atPath: url.path) else { pending.append(index); continue }
            let saved: CellFile
            do { saved = try ResultsWriter.decoder().decode(CellFile.self, from: data) } catch {
                throw HumorGymError("\(url.path): not a reproduce cell (\(error)); delete it to recompute it")
            }
            guard saved.identity == (try identity(cell)) else {
                throw HumorGymError("\(url.path) was made with other settings (\(saved.identity)); use another --out, or delete the folder to start over")
            }
            done[index] = saved
            progress("\(cell.file)\(Self.doneBefore)")
        }
        let total = cells.count
        var finished = total - pending.count
        try await pending.forEachConcurrently(limit: concurrency, { try await self.compute(cells[$0]) }) { position, file in
            let index = pending[position]
            try ResultsWriter.write(ResultsWriter.json(file), named: cells[index].file, in: folder.path)
            done[index] = file
            finished += 1
            progress("\(cells[index].file): done (\(finished) of \(total))")
        }
        let files = done.compactMap { $0 }
        return (files.flatMap(\.learners), files.flatMap(\.critics))
    }

    private func compute(_ cell: Cell) async throws -> CellFile {
        let run = try await experiment.run(seed: cell.seed)
        switch cell.work {
        case .critics:
            // The pairs diagnose-critic judges: every two distinct teacher outputs of each test prompt.
            let pairs = experiment.teacherPairs(.test, run: run)
            let seeds = run.seeds.child("table1")
            // The evaluator is a critic of its own: `init` made it one.
            guard case .critic(let evaluator) = experiment.evaluator(seeds: seeds, run: run).judge else {
                throw HumorGymError("reproduce: the evaluator is not a critic")
            }
            let judges: [(String, any Critic)] = [("critic", experiment.critic(seed: seeds.seed(for: "critic"), run: run)), ("evaluator", evaluator)]
            var records: [CriticRecord] = []
            for (name, critic) in judges {
                records.append(CriticRecord(seed: cell.seed, judge: name,
                                            diagnostics: try await CriticDiagnostics.measure(critic: critic, gold: experiment.gold, pairs: pairs)))
            }
            return CellFile(identity: try identity(cell), learners: [], critics: records)
        case .training(let data, let variants):
            let learners = try await experiment.withStudent { student in try await train(student, data: data, variants: variants, run: run) }
            return CellFile(identity: try identity(cell), learners: learners, critics: [])
        }
    }

    private func train<P: TrainablePolicy>(_ student: P, data: Data, variants: [Variant], run: Experiment.Run) async throws -> [LearnerRecord] {
        let trainCount = experiment.world.prompts(.train).count
        let share = data.share
        var trainer = Trainer(experiment, trainingPrompts: data == .all ? nil : max(1, trainCount * share.numerator / share.denominator))
        trainer.recordsBoundaries = variants.contains(where: \.curve)
        let evaluation = Evaluation(experiment)
        var records: [LearnerRecord] = []
        _ = try await trainer.train(student, learners: variants.map(\.chain), run: run, finished: { stage, start in
            let curve = variants.first(where: { $0.chain.name == stage.learner })?.curve == true
                ? try await evaluation.curve(stage, start: start, run: run, settings: Self.curves, panel: true) : nil
            records.append(LearnerRecord(data: data, seed: run.seeds.root, learner: stage.learner, steps: stage.log.count,
                                         metrics: try await evaluation.metrics(stage.policy, start: start, run: run, learner: stage.seeds, panel: true),
                                         curve: curve))
        })
        return records
    }
}
