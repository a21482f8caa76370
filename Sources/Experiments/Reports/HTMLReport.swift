import Charts
import Critics
import Foundation
import HumorGym
import Stochastics

/// A comparison as people read one: `report.html`, one self-contained file (inline SVG, no script, no
/// network; it opens from disk and prints), made from a results folder alone, so `humorgym report DIR`
/// rebuilds it. Each figure's data is written beside it as `figures/ID.csv`. The report holds only what the
/// folder's results decide (no timings), so the same results make the same bytes.
public struct HTMLReport: Sendable {
    public let folder: ResultsFolder

    public init(_ folder: ResultsFolder) { self.folder = folder }

    var report: ComparisonReport { folder.report }
    var splits: [String] { Split.evaluated.map(\.rawValue).filter { split in report.runs.contains { $0.metrics[split] != nil } } }

    /// Writes `report.html` and `figures/*.csv` into `directory`.
    public func write(to directory: String) throws {
        let figures = figures()
        try HTMLPage.write(html(figures), figures: figures, to: directory)
    }

    // MARK: Figures

    public func figures() -> [ReportFigure] {
        var figures = [
            bars(id: "wtr", title: "Win-or-tie rate against the teacher", metric: "wtr",
                 caption: "WTR by the evaluator, x100: 50 is as good as the teacher. Bars: mean over seeds; whiskers: 95% Student-t interval."),
            bars(id: "lc-wtr", title: "Length-controlled win-or-tie rate", metric: "lcWTR",
                 caption: "WTR with the length difference to the teacher controlled for (a logistic fit with a length term, read at no difference): a learner cannot win it by writing longer."),
        ]
        if report.curves != nil {
            let over: [(id: String, title: String, axis: String, value: (SplitMetrics) -> Double?)] = [
                ("curve-critic", "The critic's reward over training", "mean critic score", \.critic),
                ("curve-gold", "The gold score over training", "mean gold total", \.gold),
                ("curve-kl", "KL to the warm start over training", "KL(student || warm start), nats", { $0.kl }),
                ("curve-wtr", "WTR over training", "WTR by the evaluator (%)", { $0.wtr }),
                ("curve-length", "Length drift over training", "response length / prompt length", { $0.lengthRatio }),
            ]
            figures += over.compactMap { line(id: $0.id, title: $0.title, axis: $0.axis, value: $0.value) }
        }
        if let scatter = goldAgainstKL() { figures.append(scatter) }
        figures += report.algorithms.enumerated().compactMap { index, algorithm in loss(algorithm, id: "loss-\(index + 1)") }
        return figures
    }

    /// Points of a step log shown: at most this many, each the mean over a window of steps (and over seeds).
    static let lossPoints = 150

    /// A learner's training loss over its steps (from `steps.jsonl`), in windows of steps, mean over seeds with a
    /// 95% band over the seeds' window means.
    func loss(_ algorithm: String, id: String) -> ReportFigure? {
        let logs = report.seeds.compactMap { seed in folder.steps.first { $0.seed == seed && $0.learner == algorithm }?.steps.compactMap { $0.values["loss"] } }
        guard logs.count == report.seeds.count, let steps = logs.map(\.count).min(), steps > 0 else { return nil }
        let window = (steps + Self.lossPoints - 1) / Self.lossPoints
        let points = stride(from: 0, to: steps, by: window).map { start in
            let range = start..<min(steps, start + window)
            let means = logs.map { log in log[range].reduce(0, +) / Double(range.count) }
            return LinePoint(x: Double(range.upperBound), y: Estimate(Summary(means)))
        }
        let chart = LineChart(title: "\(algorithm): training loss", xAxis: "step", yAxis: "loss", series: [LineSeries(name: algorithm, points: points)])
        return ReportFigure(id: id, svg: chart.svg(), csv: chart.csv(),
                            caption: "From steps.jsonl: the loss \(algorithm) logged at each step\(window > 1 ? ", averaged over windows of \(window) steps" : ""), mean over seeds with a 95% band.")
    }

    func bars(id: String, title: String, metric: String, caption: String) -> ReportFigure {
        let series = report.algorithms.map { algorithm in
            BarSeries(name: algorithm, values: splits.map { split in
                report.aggregate[algorithm]?[split]?[metric].map(Estimate.init)
            })
        }
        let label = SplitMetrics.fields.first { $0.name == metric }!.label
        let chart = BarChart(title: title, yAxis: "\(label) against the teacher (%)", categories: splits, series: series,
                             reference: ReferenceLine(value: 50, label: "as good as the teacher"))
        return ReportFigure(id: id, svg: chart.svg(), csv: chart.csv(), caption: caption)
    }

    /// One learner's curve over seeds (``band(_:_:)``).
    func curve(_ algorithm: String, _ value: (SplitMetrics) -> Double?) -> [LinePoint]? {
        Self.band(report.seeds.compactMap { seed in report.runs.first { $0.seed == seed && $0.algorithm == algorithm }?.curve }, value)
    }

    /// Seeds' curves as one line with a band: point i of every seed's curve (seeds train the same number of
    /// epochs or rounds; their step counts may differ a little), at the seeds' mean step, with the 95% interval
    /// over seeds of `value`; nil without a curve.
    static func band(_ curves: [[CurvePoint]], _ value: (SplitMetrics) -> Double?) -> [LinePoint]? {
        guard let length = curves.map(\.count).min(), length > 0 else { return nil }
        return (0..<length).compactMap { i in
            let values = curves.compactMap { value($0[i].metrics) }
            guard values.count == curves.count else { return nil }
            return LinePoint(x: curves.reduce(0.0) { $0 + Double($1[i].step) } / Double(curves.count), y: Estimate(Summary(values)))
        }
    }

    func line(id: String, title: String, axis: String, value: (SplitMetrics) -> Double?) -> ReportFigure? {
        let series = report.algorithms.compactMap { algorithm in curve(algorithm, value).map { LineSeries(name: algorithm, points: $0) } }
        guard series.contains(where: { !$0.points.isEmpty }) else { return nil }
        let chart = LineChart(title: title, xAxis: "training step (after the warm start)", yAxis: axis, series: series)
        let prompts = report.curves.map { "the first \($0.prompts) test prompts" } ?? "test prompts"
        return ReportFigure(id: id, svg: chart.svg(), csv: chart.csv(),
                      caption: "Mean over \(report.seeds.count) seed(s) on \(prompts), measured on streams of their own (never the training critic's); band: 95% interval over seeds. Step 0 is the warm start.")
    }

    func goldAgainstKL() -> ReportFigure? {
        let series = report.algorithms.map { algorithm in
            ScatterSeries(name: algorithm, points: report.runs.filter { $0.algorithm == algorithm }.compactMap { run in
                guard let m = run.metrics[Split.test.rawValue], let gold = m.gold else { return nil }
                return ScatterPoint(x: m.kl, y: gold)
            })
        }
        guard series.contains(where: { !$0.points.isEmpty }) else { return nil }
        let chart = ScatterChart(title: "What each run paid for its gold score", xAxis: "KL(student || warm start), nats", yAxis: "mean gold total (test)",
                                 series: series)
        return ReportFigure(id: "gold-kl", svg: chart.svg(), csv: chart.csv(), caption: "One point per run (learner and seed), on the test split.")
    }

    // MARK: The page

    public func html(_ figures: [ReportFigure]) -> String {
        var page = HTMLPage(title: "HumorGym: \(report.algorithms.joined(separator: ", ")) on \(report.environment)")
        page.element("p", "Environment \(report.environment), policy \(report.policy), \(report.seeds.count) seed(s) from root seed \(report.rootSeed) "
            + "(\(report.seeds.map(String.init).joined(separator: ", "))). Each learner starts from the same imitation warm start of its seed.",
            class: "meta")
        let comparisons = PairedComparisons(folder)
        findings(comparisons, &page)
        let byID = Dictionary(uniqueKeysWithValues: figures.map { ($0.id, $0) })
        page.element("h2", "Win-or-tie rate against the teacher")
        for id in ["wtr", "lc-wtr"] { if let f = byID[id] { page.figure(f) } }
        for split in splits { table(split, &page) }
        paired(comparisons, &page)
        if report.curves != nil {
            page.element("h2", "Over training")
            page.element("p", "Over-optimisation is what a simulator with a known gold judge can show: the critic's reward rising while gold falls. "
                + "KL to the warm start says how far each learner moved to get there.")
            for id in ["curve-critic", "curve-gold", "curve-kl", "curve-wtr", "curve-length"] { if let f = byID[id] { page.figure(f) } }
        }
        if let f = byID["gold-kl"] { page.figure(f) }
        let losses = figures.filter { $0.id.hasPrefix("loss-") }
        if !losses.isEmpty {
            page.element("h2", "Training loss")
            for f in losses { page.figure(f) }
        }
        critic(&page)
        samples(&page)
        settings(&page)
        return page.end()
    }

    /// What decides the comparison, first: significant differences and over-optimisation.
    func findings(_ comparisons: PairedComparisons, _ page: inout HTMLPage) {
        var items: [String] = []
        if let test = splits.first, let best = report.algorithms.max(by: { (report.aggregate[$0]?[test]?["wtr"]?.mean ?? -1) < (report.aggregate[$1]?[test]?["wtr"]?.mean ?? -1) }),
           let wtr = report.aggregate[best]?[test]?["wtr"] {
            items.append(String(format: "Highest %@ WTR: %@, %.1f", test, best, wtr.mean) + (wtr.halfWidth.map { String(format: " ± %.1f", $0) } ?? "") + ".")
        }
        for split in splits {
            let decided = comparisons.pairs.filter { $0.split == split && $0.difference.direction != .undecided }
            let open = comparisons.pairs.filter { $0.split == split && $0.difference.direction == .undecided }
            if !decided.isEmpty {
                items.append("On \(split), significant (95% interval of the per-seed difference excludes 0): "
                    + decided.map { "\($0.first) − \($0.second) \(String(format: "%+.1f", $0.difference.difference.mean))" }.joined(separator: "; ") + ".")
            }
            if !open.isEmpty {
                items.append("On \(split), not significant: " + open.map { "\($0.first) vs \($0.second)" }.joined(separator: "; ") + ".")
            }
        }
        if OverOptimisation.isMeasured(in: report) {
            let flagged = OverOptimisation.detect(report)
            items.append(flagged.isEmpty ? "No learner's critic reward rose while its gold score fell."
                : "Over-optimised: " + flagged.map { String(format: "%@ (from step %d to %d the critic's reward rose by %.3f while gold fell by %.3f)",
                                                               $0.learner, $0.from, $0.last, $0.criticRise, $0.goldFall) }.joined(separator: "; ") + ".")
        }
        page.raw("<section class=\"findings\">")
        page.element("h2", "Findings")
        page.list(items)
        page.raw("</section>")
    }

    func table(_ split: String, _ page: inout HTMLPage) {
        let table = ReportTable.cells(report, split: split)
        page.raw("<table>\n<caption>\(HTMLPage.escape("[\(split)] mean ± 95% interval over seeds"))</caption>")
        page.row(["learner"] + table.labels, header: true)
        for row in table.rows { page.row(row) }
        page.raw("</table>")
    }

    func paired(_ comparisons: PairedComparisons, _ page: inout HTMLPage) {
        guard !comparisons.pairs.isEmpty else { return }
        page.element("h2", "Which differences are decided")
        page.element("p", "WTR differences paired by seed (a seed's learners share their warm start, teacher and prompts): mean and 95% Student-t "
            + "interval over seeds, significant when it excludes 0; and an exact sign test over every (seed, prompt) both learners answered.")
        page.raw("<table>")
        page.row(["split", "difference", "mean", "95% interval", "decided", "prompts better / worse / tied", "sign test"], header: true)
        for pair in comparisons.pairs {
            let d = pair.difference.difference
            page.row([pair.split, "\(pair.first) − \(pair.second)", String(format: "%+.1f", d.mean),
                      d.lower.map { String(format: "[%+.1f, %+.1f]", $0, d.upper!) } ?? "-",
                      pair.difference.direction == .undecided ? "not significant" : "significant",
                      pair.signs.map { "\($0.firstBetter) / \($0.secondBetter) / \($0.ties)" } ?? "-",
                      pair.signs.map { ComparisonSummary.pValue($0.pValue) } ?? "-"])
        }
        page.raw("</table>")
        for split in splits {
            guard let (pair, verdict) = comparisons.closest(on: split) else { continue }
            page.element("p", "Closest on \(split): \(pair.first) and \(pair.second): \(verdict) (if their difference and its spread stayed as measured).")
        }
    }

    func critic(_ page: inout HTMLPage) {
        guard let d = report.critic else { return }
        page.element("h2", "The critic the learners trained against")
        page.element("p", "Measured as the paper's Table 1, against the gold judge, on \(d.pairs) pairs of the first seed's teacher outputs (test split), "
            + "each judged in both orders, on a stream of its own.")
        page.raw("<table>")
        page.row(["measure", "rate", "count / denominator", "95% interval (Wilson)"], header: true)
        let rows: [(String, CriticDiagnostics.Rate)] = [
            ("agreement with gold", d.agreement), ("on humor", d.humorAgreement), ("on consistency", d.consistencyAgreement),
            ("position flips", d.positionFlips), ("length bias", d.lengthBias), ("abstentions", d.abstentions), ("ties", d.ties),
            ("baseline: always the first, agreement", d.baselines.alwaysFirst), ("baseline: always the longer, agreement", d.baselines.alwaysLonger),
            ("baseline: a coin, agreement", d.baselines.coin),
        ]
        for (name, rate) in rows {
            let interval = wilsonInterval(count: rate.count, total: rate.denominator)
            page.row([name, rate.denominator == 0 ? "-" : String(format: "%.1f%%", rate.percent), "\(rate.count) / \(rate.denominator)",
                      interval.map { String(format: "[%.1f%%, %.1f%%]", 100 * $0.lower, 100 * $0.upper) } ?? "-"])
        }
        page.raw("</table>")
    }

    func samples(_ page: inout HTMLPage) {
        guard !folder.samples.entries.isEmpty else { return }
        page.element("h2", "What they wrote")
        page.element("p", "The first test prompts of seed \(folder.samples.seed): the teacher's outputs and each learner's samples"
            + (folder.samples.entries.first?.teacher.first?.gold != nil ? ", with gold's total (humor, consistency, fluency)." : "."))
        func cell(_ scored: SampleSheet.Scored) -> String {
            let score = scored.gold.map { String(format: "%.2f (h %.2f c %.2f f %.2f) ", $0.total, $0.humor, $0.consistency, $0.fluency) } ?? ""
            return "<span class=\"score\">\(HTMLPage.escape(score))</span>\(HTMLPage.escape(scored.text))"
        }
        for entry in folder.samples.entries {
            page.raw("<table class=\"samples\">\n<caption>\(HTMLPage.escape(entry.prompt))</caption>")
            page.raw("<tr><th>teacher</th><td>\(entry.teacher.map(cell).joined(separator: "<br>"))</td></tr>")
            for learner in entry.learners {
                page.raw("<tr><th>\(HTMLPage.escape(learner.name))</th><td>\(learner.samples.map(cell).joined(separator: "<br>"))</td></tr>")
            }
            page.raw("</table>")
        }
    }

    func settings(_ page: inout HTMLPage) {
        page.element("h2", "Settings")
        page.raw("<table>")
        page.row(["learner", "hyperparameters"], header: true)
        for algorithm in report.algorithms {
            let settings = report.hyperparameters[algorithm] ?? [:]
            page.row([algorithm, settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }.joined(separator: ", ")])
        }
        page.raw("</table>")
        page.element("p", "Made from results.json, outcomes.json, samples.json and runs/*/steps.jsonl in this folder; `humorgym report DIR` rebuilds it. "
            + "Every figure's data is in figures/.", class: "meta")
    }
}

extension Estimate {
    /// A mean over seeds with its 95% interval, as a chart draws it.
    init(_ summary: Summary) { self.init(summary.mean, lower: summary.lower, upper: summary.upper) }
}
