import Critics
import Foundation
import HumorGym
import Stochastics

/// The paper's tables made from `reproduce`'s records: each row holds the paper's figure beside the
/// simulation's mean and 95% interval over seeds, and each claim of the paper gets a verdict decided by the
/// per-seed differences (paired by seed, as every learner of a seed shares its warm start and teacher).
public struct ReproductionTables: Sendable, Codable, Equatable {
    public struct Value: Sendable, Codable, Equatable {
        public var column: String
        public var paper: Double?
        public var simulated: Summary?
    }

    public struct Row: Sendable, Codable, Equatable {
        public var label: String
        public var values: [Value]
    }

    /// A claim of the paper and what the simulation says of it.
    public struct Claim: Sendable, Codable, Equatable {
        public enum Verdict: String, Sendable, Codable {
            /// The 95% interval of the per-seed difference lies on the paper's side of 0.
            case shown
            /// The interval holds 0 (or there is one seed): the simulation does not decide.
            case notDecided = "not decided"
            /// The interval lies on the other side: the simulation shows the opposite.
            case opposite
        }

        public var text: String
        public var verdict: Verdict
        /// The difference that decides it: mean and 95% interval over seeds.
        public var evidence: String
    }

    public struct Table: Sendable, Codable, Equatable {
        public var id: Reproduction.Table
        public var title: String
        public var columns: [String]
        public var rows: [Row]
        public var claims: [Claim]
        public var notes: [String]
    }

    public var tables: [Table]

    /// The tables of `reproduction` made from its records.
    public init(_ reproduction: Reproduction, learners: [Reproduction.LearnerRecord], critics: [Reproduction.CriticRecord]) {
        let source = Source(seeds: reproduction.seeds, learners: learners, critics: critics)
        tables = reproduction.tables.map { table in
            switch table {
            case .table1: source.table1()
            case .table2: source.students(.table2, split: .test)
            case .table3: source.students(.table3, split: .ood)
            case .table4: source.table4(trainPrompts: reproduction.experiment.world.prompts(.train).count)
            case .table6: source.table6()
            case .rq5: source.rq5()
            }
        }
    }
}

/// Reads the records seed by seed.
private struct Source {
    let seeds: [UInt64]
    let learners: [Reproduction.LearnerRecord]
    let critics: [Reproduction.CriticRecord]

    /// Who judges a WTR: the evaluator (the paper's GPT-4), the training critic, or gold (all or one part).
    enum Judge: String {
        case evaluator, critic, gold, goldHumor = "gold-humor", goldConsistency = "gold-consistency"

        var column: String {
            switch self {
            case .evaluator: "WTR evaluator"
            case .critic: "WTR critic"
            case .gold: "WTR gold"
            case .goldHumor: "WTR-H (gold humor)"
            case .goldConsistency: "WTR-C (gold consistency)"
            }
        }

        func wtr(_ m: SplitMetrics) -> Double? { self == .evaluator ? m.wtr : m.panel?[rawValue] }
    }

    /// One value per seed (in seed order), or nil when a seed lacks it.
    typealias Series = [Double]

    func series(_ learner: String, data: Reproduction.Data = .all, split: Split = .test, _ value: (SplitMetrics) -> Double?) -> Series? {
        perSeed { seed in learners.first { $0.seed == seed && $0.learner == learner && $0.data == data }?.metrics[split.rawValue].flatMap(value) }
    }

    /// `value` of every seed, in seed order; nil when any seed lacks it.
    func perSeed(_ value: (UInt64) -> Double?) -> Series? {
        let values = seeds.map(value)
        return values.contains(nil) ? nil : values.compactMap { $0 }
    }

    func wtr(_ learner: String, _ judge: Judge, data: Reproduction.Data = .all, split: Split = .test) -> Series? {
        series(learner, data: data, split: split, judge.wtr)
    }

    func value(_ column: String, paper: Double?, _ series: Series?) -> ReproductionTables.Value {
        ReproductionTables.Value(column: column, paper: paper, simulated: series.map { Summary($0) })
    }

    /// "a beats b": decided by the interval of the per-seed differences a - b.
    func claim(_ text: String, _ a: Series?, _ b: Series?, _ names: (String, String)) -> ReproductionTables.Claim {
        guard let a, let b else { return .init(text: text, verdict: .notDecided, evidence: "not measured") }
        let difference = Summary(zip(a, b).map { $0 - $1 })
        // Ratios differ in the second decimal, win rates in the first.
        let digits = max(abs(difference.mean), difference.halfWidth ?? 0) < 1 ? 3 : 1
        func signed(_ x: Double) -> String { String(format: "%+.\(digits)f", x) }
        let interval = difference.lower.map { " [\(signed($0)), \(signed(difference.upper!))]" } ?? ""
        let evidence = "\(names.0) - \(names.1) = \(signed(difference.mean))" + interval
            + " over \(a.count) seed\(a.count == 1 ? "" : "s")"
        let verdict: ReproductionTables.Claim.Verdict = if let lo = difference.lower, lo > 0 { .shown }
            else if let hi = difference.upper, hi < 0 { .opposite } else { .notDecided }
        return .init(text: text, verdict: verdict, evidence: evidence)
    }

    func table1() -> ReproductionTables.Table {
        typealias D = CriticDiagnostics
        let measures: [(name: String, paper: Double?, rate: KeyPath<D, D.Rate>)] = [
            ("agreement on humor", Paper.Critic.humorAgreement, \D.humorAgreement),
            ("agreement on consistency", Paper.Critic.consistencyAgreement, \D.consistencyAgreement),
            ("agreement (gold total)", nil, \D.agreement),
            ("position flips", Paper.Critic.positionFlips, \D.positionFlips),
            ("length bias", Paper.Critic.lengthBias, \D.lengthBias),
        ]
        func percent(_ judge: String, _ rate: KeyPath<D, D.Rate>) -> Series? {
            perSeed { seed in critics.first { $0.seed == seed && $0.judge == judge }.map { $0.diagnostics[keyPath: rate].percent } }
        }
        let rows = [("critic", "training critic (the paper's 70B critic, MCP)", true), ("evaluator", "independent evaluator (GPT-4's stand-in)", false)]
            .map { judge, label, isPaper in
                ReproductionTables.Row(label: label, values: measures.map { value($0.name, paper: isPaper ? $0.paper : nil, percent(judge, $0.rate)) })
            }
        return .init(id: .table1, title: "Table 1: the critic against gold \"annotators\" (teacher-output pairs of the test split, both orders)",
                     columns: measures.map(\.name), rows: rows,
                     claims: [claim("The critic agrees with people more on humor than on consistency (76% vs 59%)",
                                    percent("critic", \D.humorAgreement), percent("critic", \D.consistencyAgreement), ("humor", "consistency"))],
                     notes: ["Percentages of pairs; agreement counts pairs where gold (or its humor or consistency part) prefers one response and the order-averaged verdict is decisive."])
    }

    /// Tables 2 and 3: the five students against the teacher.
    func students(_ id: Reproduction.Table, split: Split) -> ReproductionTables.Table {
        let judges: [Source.Judge] = split == .test ? [.evaluator, .critic, .gold] : [.critic, .evaluator, .gold]
        let rows = Paper.students.map { student in
            ReproductionTables.Row(label: "\(student.paper) (\(student.learner))", values: judges.map { judge in
                let paper: Double? = switch (split, judge) {
                case (.test, .evaluator): Paper.table2[student.paper]?.evaluator
                case (.test, .critic): Paper.table2[student.paper]?.critic
                case (.ood, .critic): Paper.table3[student.paper]
                default: nil
                }
                return value(judge.column, paper: paper, wtr(student.learner, judge, split: split))
            })
        }
        func beats(_ better: Paper.Student, _ worse: Paper.Student, _ judge: Judge) -> ReproductionTables.Claim {
            let figures: String = switch (split, judge) {
            case (.test, .critic): "\(Int(Paper.table2[better.paper]!.critic)) vs \(Int(Paper.table2[worse.paper]!.critic))"
            case (.test, _): "\(Int(Paper.table2[better.paper]!.evaluator)) vs \(Int(Paper.table2[worse.paper]!.evaluator))"
            default: "\(Int(Paper.table3[better.paper]!)) vs \(Int(Paper.table3[worse.paper]!))"
            }
            return claim("\(better.paper) beats \(worse.paper), judged by the \(judge.rawValue) (paper: \(figures))",
                         wtr(better.learner, judge, split: split), wtr(worse.learner, judge, split: split), (better.paper, worse.paper))
        }
        // The paper's main claim first (each feedback student beats FT), then its order among them; in
        // distribution the evaluator's order too.
        let ordered = split == .test ? Paper.students : Paper.students.filter { Paper.table3[$0.paper] != nil }
        let feedback = ordered.dropFirst()
        var claims = feedback.map { beats($0, Paper.ft, .critic) } + zip(feedback, feedback.dropFirst()).map { beats($1, $0, .critic) }
        if split == .test { claims += zip(ordered, ordered.dropFirst()).map { beats($1, $0, .evaluator) } }
        let title = split == .test ? "Table 2: WTR against the teacher, in distribution (test split)" : "Table 3: WTR against the teacher, out of distribution (OOD split)"
        return .init(id: id, title: title, columns: judges.map(\.column), rows: rows, claims: claims,
                     notes: ["WTR: the student's win-or-tie rate against the teacher's outputs, both orders, x100."])
    }

    func table4(trainPrompts: Int) -> ReproductionTables.Table {
        let judges: [Judge] = [.critic, .evaluator, .gold]
        let shares: [(Reproduction.Data, String)] = [(.third, "1/3"), (.twoThirds, "2/3"), (.all, "all")]
        var rows: [ReproductionTables.Row] = []
        for (learner, paper) in [("imitation", "FT"), ("brio", "BRIO")] {
            for (index, (data, label)) in shares.enumerated() {
                rows.append(.init(label: "\(paper), \(label) of the data", values: judges.map { judge in
                    value(judge.column, paper: judge == .critic && paper == "FT" ? Paper.table4Data[index] : nil, wtr(learner, judge, data: data))
                }))
            }
        }
        for (every, paper) in Paper.table4Feedback {
            rows.append(.init(label: "BRIO, 10 epochs, feedback every \(every)", values: judges.map { judge in
                value(judge.column, paper: judge == .critic ? paper : nil, wtr(Reproduction.brioEvery(every), judge))
            }))
        }
        let ftAll = wtr("imitation", .critic), ftThird = wtr("imitation", .critic, data: .third), brioEvery1 = wtr(Reproduction.brioEvery(1), .critic)
        var dataGain: Source.Series?, feedbackGain: Source.Series?
        if let ftAll, let ftThird, let brioEvery1 {
            dataGain = zip(ftAll, ftThird).map { $0 - $1 }
            feedbackGain = zip(brioEvery1, ftAll).map { $0 - $1 }
        }
        let every = Paper.table4Feedback
        return .init(
            id: .table4, title: "Table 4: data size and feedback frequency (test split)", columns: judges.map(\.column), rows: rows,
            claims: [
                claim("More imitation data barely helps: feedback every epoch gains more over FT (paper +36) than three times the data does (paper +6)",
                      feedbackGain, dataGain, ("feedback gain", "data gain")),
                claim("FT with all the data beats FT with a third of it, judged by the critic (paper: 30 vs 24)", ftAll, ftThird, ("all", "1/3")),
            ] + zip(every, every.dropFirst()).map { rare, often in
                claim("Feedback every \(often.every) epochs beats every \(rare.every), judged by the critic (paper: \(Int(often.wtr)) vs \(Int(rare.wtr)))",
                      wtr(Reproduction.brioEvery(often.every), .critic), wtr(Reproduction.brioEvery(rare.every), .critic),
                      ("every \(often.every)", "every \(rare.every)"))
            },
            notes: ["The data shares are of this world's \(trainPrompts) training prompts, each with all its teacher outputs (the paper: 12,000 inputs x 3 outputs).",
                    "BRIO's feedback rows train BRIO for 10 epochs from the warm start, judged again every K epochs (1, 2 and 10 rounds)."])
    }

    func table6() -> ReproductionTables.Table {
        let judges: [Judge] = [.goldHumor, .goldConsistency]
        let rows = Paper.students.map { student in
            ReproductionTables.Row(label: "\(student.paper) (\(student.learner))", values: judges.map { judge in
                value(judge.column, paper: judge == .goldHumor ? Paper.table6[student.paper]?.humor : Paper.table6[student.paper]?.consistency,
                      wtr(student.learner, judge))
            })
        }
        let (ft, brio, dpo) = (Paper.table6["FT"]!, Paper.table6["BRIO"]!, Paper.table6["DPO"]!)
        return .init(
            id: .table6, title: "Table 6: humor and meaning apart, judged by gold (the paper's human study; test split)",
            columns: judges.map(\.column), rows: rows,
            claims: [
                claim("Feedback raises humor: BRIO beats FT on WTR-H (paper: \(Int(brio.humor)) vs \(Int(ft.humor)))",
                      wtr("brio", .goldHumor), wtr("imitation", .goldHumor), ("BRIO", "FT")),
                claim("DPO beats BRIO on WTR-H (paper: \(Int(dpo.humor)) vs \(Int(brio.humor)))", wtr("dpo", .goldHumor), wtr("brio", .goldHumor), ("DPO", "BRIO")),
                claim("Feedback slightly lowers meaning: FT beats BRIO on WTR-C (paper: \(Int(ft.consistency)) vs \(Int(brio.consistency)))",
                      wtr("imitation", .goldConsistency), wtr("brio", .goldConsistency), ("FT", "BRIO")),
                claim("FT beats DPO on WTR-C (paper: \(Int(ft.consistency)) vs \(Int(dpo.consistency)))",
                      wtr("imitation", .goldConsistency), wtr("dpo", .goldConsistency), ("FT", "DPO")),
            ],
            notes: ["WTR-H and WTR-C compare gold's humor or consistency part of the student's response with the teacher's."])
    }

    func rq5() -> ReproductionTables.Table {
        let length: (SplitMetrics) -> Double? = { $0.lengthRatio }
        let rows = Reproduction.filtered.map { learner in
            ReproductionTables.Row(label: learner, values: [
                value("len/x with the filter", paper: nil, series(learner, length)),
                value("len/x without it", paper: nil, series(Reproduction.unfiltered(learner), length)),
            ])
        }
        let claims = Reproduction.filtered.map { learner in
            claim("Without the 0.8-1.2 length filter the critic's length bias makes \(learner)'s responses longer",
                  series(Reproduction.unfiltered(learner), length), series(learner, length), ("no filter", "filter"))
        }
        // Over training: the mean over seeds of len/x at each boundary, on the first test prompts.
        var notes = ["len/x: response length over prompt length (test split). The paper: without the filter outputs grow to about twice the input's length."]
        for name in Reproduction.filtered.flatMap({ [$0, Reproduction.unfiltered($0)] }) {
            let curves = seeds.compactMap { seed in learners.first { $0.seed == seed && $0.learner == name && $0.data == .all }?.curve }
            guard curves.count == seeds.count, let points = curves.map(\.count).min(), points > 0 else { continue }
            let means = (0..<points).map { i in curves.reduce(0.0) { $0 + $1[i].metrics.lengthRatio } / Double(curves.count) }
            notes.append("\(name), len/x over training (start, then each boundary; first \(Reproduction.curves.prompts) test prompts): "
                         + means.map { String(format: "%.2f", $0) }.joined(separator: " -> "))
        }
        return .init(id: .rq5, title: "RQ5: response length with and without the length filter", columns: ["len/x with the filter", "len/x without it"],
                     rows: rows, claims: claims, notes: notes)
    }
}
