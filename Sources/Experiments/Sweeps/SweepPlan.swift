import Foundation

/// What `humorgym sweep plan` and `sweep status` print: the units, where each stands, and the work left.
public struct SweepPlan: Sendable {
    public let sweep: Sweep
    public let states: [Sweep.State]

    public init(sweep: Sweep, states: [Sweep.State]) {
        self.sweep = sweep
        self.states = states
    }

    private func count(_ matching: (Sweep.State) -> Bool) -> Int { states.filter(matching).count }
    private var done: Int { count { if case .done = $0 { true } else { false } } }
    private var failed: Int { count { if case .failed = $0 { true } else { false } } }

    /// Mean seconds of the done units of `kind`, nil where none is done.
    private func measured(_ kind: Sweep.Part) -> Double? {
        let seconds = zip(sweep.units, states).compactMap { unit, state -> Double? in
            guard unit.kind == kind, case .done(let s) = state else { return nil }
            return s
        }
        return seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count)
    }

    /// The sweep, its counts, the estimate of what is left, and what sharing warm starts saves.
    var summary: String {
        let spec = sweep.spec
        func units(_ kind: Sweep.Part) -> Int { sweep.units.filter { $0.kind == kind }.count }
        let teachers = units(.teacher), warmStarts = units(.warmStarts), learners = units(.learners)
        let environments = spec.environments.map(\.name), policies = spec.policies.map(\.name)
        func counted(_ names: [String], _ one: String, _ many: String) -> String { "\(names.count) \(names.count == 1 ? one : many) (\(names.joined(separator: ", ")))" }
        var out = "sweep \(spec.name) (\(spec.file)) -> \(spec.out)\n"
        out += "  \(counted(environments, "environment", "environments")) x \(counted(policies, "policy", "policies")) x \(sweep.seeds.count) seed\(sweep.seeds.count == 1 ? "" : "s")\n"
        for group in sweep.groups {
            out += "  learners on \(group.environment.name)/\(group.policy.name): \(group.learners.joined(separator: ", "))\n"
        }
        func many(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        out += "  \(many(sweep.units.count, "unit")): \(teachers == 0 ? "" : many(teachers, "LLM teacher") + ", ")\(many(warmStarts, "warm start")), \(many(learners, "learner run")); "
        out += "\(done) done, \(failed) failed, \(sweep.units.count - done - failed) missing\n"
        let means = Dictionary(uniqueKeysWithValues: Sweep.Part.kinds.compactMap { kind in measured(kind).map { (kind, $0) } })
        let left = zip(sweep.units, states).filter { if case .done = $1 { false } else { true } }.map(\.0)
        if left.isEmpty {
            out += "  estimate: nothing left to run\n"
        } else if means.isEmpty {
            out += "  estimate: none yet (it comes from the units' measured times, once any has run)\n"
        } else {
            // A kind not measured yet is estimated from the mean of those that are.
            let fallback = means.values.reduce(0, +) / Double(means.count)
            let seconds = left.map { means[$0.kind] ?? fallback }.reduce(0, +)
            let each = Sweep.Part.kinds.compactMap { kind in means[kind].map { String(format: "%@ %.1f s", Self.noun(kind), $0) } }
            out += "  estimate: \(many(left.count, "unit")) left, about \(Self.duration(seconds)) of work for one process (each \(each.joined(separator: ", ")), measured on \(done) done)\n"
        }
        let repeats = learners - warmStarts
        out += "  warm starts: each is trained once and read by its \(many(learners / max(1, warmStarts), "learner run")); learner runs that trained their own would repeat \(many(repeats, "warm start"))"
        out += means[.warmStarts].map { " (about \(Self.duration(Double(repeats) * $0)) saved)\n" } ?? "\n"
        return out
    }

    static func noun(_ kind: Sweep.Part) -> String {
        switch kind {
        case .teacher: "teacher"
        case .warmStarts: "warm start"
        case .learners, .all: "learner run"
        }
    }

    /// The summary and every unit: its kind, its shard when cut into `shards`, and its state.
    public func render(shards: Int) -> String {
        let rows = zip(sweep.units, states).map { unit, state in
            [sweep.label(of: unit), "\(unit.position % shards)/\(shards)", Self.describe(state)]
        }
        return summary + "\n" + ReportTable.grid(header: ["unit", "shard", "state"], rows: rows, leftAligned: 3)
    }

    /// A unit as `sweep plan --json` prints it: one JSON object a line.
    public struct Line: Sendable, Codable, Equatable {
        public var unit: String
        public var kind: String
        public var environment: String
        public var policy: String
        public var seed: UInt64?
        public var learner: String?
        /// The learner's resolved hyperparameters, defaults included.
        public var hyperparameters: [String: String]?
        public var shard: String
        public var state: String
        public var seconds: Double?
        public var error: String?
    }

    /// Every unit with what it runs, its shard when cut into `shards`, and where it stands.
    public func lines(shards: Int) throws -> [Line] {
        try zip(sweep.units, states).map { unit, state in
            let group = sweep.groups[unit.group]
            var line = Line(unit: sweep.label(of: unit), kind: unit.kind.rawValue, environment: group.environment.name, policy: group.policy.name,
                            seed: unit.work == .teacher ? nil : sweep.seed(of: unit), shard: "\(unit.position % shards)/\(shards)", state: "missing")
            if case .learner(let learner) = unit.work { (line.learner, line.hyperparameters) = (learner, try group.policy.settings(of: learner)) }
            switch state {
            case .done(let seconds): (line.state, line.seconds) = ("done", seconds)
            case .failed(let error): (line.state, line.error) = ("failed", error)
            case .missing: break
            }
            return line
        }
    }

    /// The summary, then each failed unit with its error and each missing unit.
    public func status() -> String {
        var out = summary
        for (unit, state) in zip(sweep.units, states) {
            switch state {
            case .failed(let error): out += "failed   \(sweep.label(of: unit)): \(error)\n"
            case .missing: out += "missing  \(sweep.label(of: unit))\n"
            case .done: break
            }
        }
        return out
    }

    static func describe(_ state: Sweep.State) -> String {
        switch state {
        case .done(let seconds): String(format: "done (%.1f s)", seconds)
        case .failed(let error): "failed: \(error)"
        case .missing: "missing"
        }
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.0f s", seconds) : seconds < 7200 ? String(format: "%.1f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
