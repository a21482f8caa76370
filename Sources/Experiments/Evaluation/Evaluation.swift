import HumorGym
import Stochastics

/// Measures what training made, on the splits reports show (``Split/evaluated``): each learner's metrics
/// against the run's teacher, and the teacher's own outputs. Every measurement draws from streams of its
/// own, derived from the learner's seeds, never from a training stream.
public struct Evaluation: Sendable {
    public let experiment: Experiment

    public init(_ experiment: Experiment) { self.experiment = experiment }

    /// `policy`'s metrics by split name, with `start` (the warm start) as the KL reference. With `panel`, the
    /// same responses are also judged by the panel's judges (``panel(seeds:run:)``).
    public func metrics<P: Policy>(_ policy: P, start: P, run: Experiment.Run, learner: SeedSequence, panel: Bool = false) async throws
        -> [String: SplitMetrics] {
        try await measurements(policy, start: start, run: run, learner: learner, panel: panel).mapValues(\.metrics)
    }

    /// `policy`'s metrics and per-prompt WTR by split name.
    public func measurements<P: Policy>(_ policy: P, start: P, run: Experiment.Run, learner: SeedSequence, panel: Bool = false) async throws
        -> [String: SplitMeasurement] {
        var out: [String: SplitMeasurement] = [:]
        for split in Split.evaluated {
            out[split.rawValue] = try await measure(policy, start: start, run: run, split: split, seeds: learner.child("evaluation").child(split.rawValue),
                                                    panel: panel)
        }
        return out
    }

    /// `policy`'s metrics on the first `prompts` prompts of the test split, drawing from `seeds` (with every
    /// judge of the panel, if asked): one point of a curve over training.
    public func point<P: Policy>(_ policy: P, start: P, run: Experiment.Run, prompts: Int, seeds: SeedSequence, panel: Bool) async throws
        -> SplitMetrics {
        try await measure(policy, start: start, run: run, split: .test, prompts: prompts, seeds: seeds, panel: panel).metrics
    }

    private func measure<P: Policy>(_ policy: P, start: P, run: Experiment.Run, split: Split, prompts: Int = .max, seeds: SeedSequence,
                                    panel: Bool) async throws -> SplitMeasurement {
        let settings = experiment.environment.evaluation
        return try await SplitMetrics.measure(
            policy: policy, start: start, prompts: Array(experiment.world.prompts(split).prefix(prompts)),
            teacherOutputs: Array(run.teacherOutputs[split].prefix(prompts)), greedy: settings.decoding == .greedy,
            samples: settings.samplesPerPrompt, gold: experiment.gold, evaluator: experiment.evaluator(seeds: seeds, run: run),
            critic: experiment.critic(seed: seeds.seed(for: "critic"), run: run, role: .evaluator), panel: panel ? self.panel(seeds: seeds, run: run) : [],
            stream: seeds.stream("samples"))
    }

    /// The judges `reproduce` reads beside the environment's evaluator, as the paper reports WTR by more than
    /// one: the training critic (the paper's Llama-2 judge; a stream of its own), and where the world has one,
    /// the gold judge on the total and on humor and consistency alone (the paper's human study).
    func panel(seeds: SeedSequence, run: Experiment.Run) -> [(name: String, judge: Evaluator)] {
        var judges = [(name: "critic", judge: Evaluator(.critic(experiment.critic(seed: seeds.seed(for: "panel-critic"), run: run, role: .evaluator))))]
        if let gold = experiment.gold {
            judges += Evaluator.Aspect.allCases.map { (name: $0 == .total ? "gold" : "gold-\($0.rawValue)", judge: Evaluator(.gold(gold, aspect: $0))) }
        }
        return judges
    }

    /// How many, how good and how varied the run's teacher outputs are, by split name.
    public func teacherReport(_ run: Experiment.Run) -> [String: TeacherReport] {
        let world = experiment.world
        var out: [String: TeacherReport] = [:]
        for split in Split.evaluated {
            let prompts = world.prompts(split), outputs = run.teacherOutputs[split]
            let n = Double(prompts.count), texts = outputs.flatMap { $0 }
            let tokens = texts.reduce(0) { $0 + $1.count }, unknown = texts.reduce(0) { $0 + $1.tokens.filter { $0 == 0 }.count }
            var report = TeacherReport(
                outputsPerPrompt: Double(texts.count) / n, promptsWithoutOutput: Double(outputs.filter(\.isEmpty).count) / n,
                unknownTokens: Double(unknown) / Double(max(1, tokens)))
            if let gold = experiment.gold {
                var mean = 0.0, spread = 0.0, best = 0.0
                for (prompt, texts) in zip(prompts, outputs) {
                    let scores = texts.map { gold.judge($0, for: prompt).total }
                    mean += scores.reduce(0, +)
                    spread += (scores.max() ?? 0) - (scores.min() ?? 0)
                    best += world.candidates[prompt].map { gold.judge($0, for: prompt).total }.max() ?? 0
                }
                (report.meanGold, report.meanSpread, report.meanBestCandidate) = (mean / Double(max(1, texts.count)), spread / n, best / n)
            }
            out[split.rawValue] = report
        }
        return out
    }
}

/// How many, how good and how varied the teacher's outputs are on one split. The gold figures exist only in
/// a world with a gold judge.
public struct TeacherReport: Sendable, Codable, Equatable {
    /// Mean number of outputs per prompt (N, less what an LLM teacher refused or left unusable).
    public var outputsPerPrompt: Double
    /// Share of prompts without any output: the inputs lost to refusals and unusable answers.
    public var promptsWithoutOutput: Double
    /// Share of the outputs' tokens that are `<unk>` (an LLM teacher's words outside the world's vocabulary).
    public var unknownTokens: Double
    /// Mean gold total of the teacher's outputs.
    public var meanGold: Double?
    /// Mean over prompts of (best - worst) gold among the teacher's N outputs.
    public var meanSpread: Double?
    /// Mean over prompts of the best candidate's gold: what a perfect student could reach.
    public var meanBestCandidate: Double?

    /// The field-wise mean of per-seed reports, split by split.
    static func mean(_ reports: [[String: TeacherReport]]) -> [String: TeacherReport] {
        var out: [String: TeacherReport] = [:]
        for split in reports.first?.keys.sorted() ?? [] {
            let all = reports.compactMap { $0[split] }
            func meanOfPresent(_ value: (TeacherReport) -> Double?) -> Double? {
                let values = all.compactMap(value)
                return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
            }
            func mean(_ value: (TeacherReport) -> Double) -> Double { all.reduce(0) { $0 + value($1) } / Double(max(1, all.count)) }
            out[split] = TeacherReport(outputsPerPrompt: mean(\.outputsPerPrompt), promptsWithoutOutput: mean(\.promptsWithoutOutput),
                                       unknownTokens: mean(\.unknownTokens), meanGold: meanOfPresent(\.meanGold),
                                       meanSpread: meanOfPresent(\.meanSpread), meanBestCandidate: meanOfPresent(\.meanBestCandidate))
        }
        return out
    }
}
