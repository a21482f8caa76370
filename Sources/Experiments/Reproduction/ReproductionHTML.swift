import Charts
import Foundation
import HumorGym
import Stochastics

/// `reproduce`'s `report.html`: each of the paper's tables as a chart (the paper's figure beside the
/// simulation's mean and 95% interval over seeds) and as a table, its claims with their verdicts, and RQ5's
/// lengths over training. Made from `results.json` alone, so `humorgym report DIR` rebuilds it.
public struct ReproductionHTML: Sendable {
    public let report: ReproductionReport

    public init(_ report: ReproductionReport) { self.report = report }

    public func write(to directory: String) throws {
        let figures = figures()
        try HTMLPage.write(html(figures), figures: figures, to: directory)
    }

    /// One chart per column of each table (rows as categories; the simulation, with its interval, beside the
    /// paper), and RQ5's curves.
    public func figures() -> [ReportFigure] {
        var figures: [ReportFigure] = []
        for table in report.tables.tables {
            for (index, column) in table.columns.enumerated() {
                let simulated = table.rows.map { $0.values[index].simulated.map(Estimate.init) }
                let paper = table.rows.map { $0.values[index].paper.map { Estimate($0) } }
                guard simulated.contains(where: { $0 != nil }) else { continue }
                var series = [BarSeries(name: "simulated (\(report.seeds.count) seeds)", values: simulated)]
                if paper.contains(where: { $0 != nil }) { series.append(BarSeries(name: "paper", values: paper)) }
                let chart = BarChart(title: "\(table.title.prefix { $0 != ":" }): \(column)", yAxis: column, categories: table.rows.map(\.label),
                                     series: series)
                figures.append(ReportFigure(id: "\(table.id.rawValue)-\(index + 1)", svg: chart.svg(), csv: chart.csv(),
                                            caption: "\(table.title). Simulated: mean over seeds, whiskers the 95% interval; paper: its reported figure."))
            }
        }
        if let lengths = lengthCurves() { figures.append(lengths) }
        return figures
    }

    static let lengthCurvesID = "rq5-lengths"

    /// RQ5: len/x over training of the learners measured so, mean over seeds with a 95% band.
    func lengthCurves() -> ReportFigure? {
        var names: [String] = []
        for record in report.learners where record.curve != nil && record.data == .all && !names.contains(record.learner) { names.append(record.learner) }
        let series = names.compactMap { name in
            HTMLReport.band(report.seeds.compactMap { seed in report.learners.first { $0.seed == seed && $0.learner == name && $0.data == .all }?.curve },
                            { $0.lengthRatio }).map { LineSeries(name: name, points: $0) }
        }
        guard !series.isEmpty else { return nil }
        let chart = LineChart(title: "RQ5: length over training, with and without the length filter", xAxis: "training step (after the warm start)",
                              yAxis: "response length / prompt length", series: series)
        return ReportFigure(id: Self.lengthCurvesID, svg: chart.svg(), csv: chart.csv(),
                            caption: "len/x on the first \(Reproduction.curves.prompts) test prompts at every end of an epoch or round; /no-filter: trained without the length filter. Band: 95% interval over seeds.")
    }

    public func html(_ figures: [ReportFigure]) -> String {
        var page = HTMLPage(title: "Small But Funny (Ravi et al., ACL 2024), reproduced in HumorGym's simulated world")
        let claims = report.claims
        let count = { (v: ReproductionTables.Claim.Verdict) in claims.filter { $0.verdict == v }.count }
        page.element("p", "Environment \(report.environment), policy \(report.policy), \(report.seeds.count) seed(s) from root seed \(report.rootSeed). "
            + "A claim is decided by the 95% interval of its per-seed difference: shown when it lies on the paper's side of 0, opposite when on the other, "
            + "not decided when it holds 0.", class: "meta")
        page.raw("<section class=\"findings\">")
        page.element("h2", "Claims: \(count(.shown)) shown, \(count(.notDecided)) not decided, \(count(.opposite)) opposite, of \(claims.count)")
        page.list(claims.map { "\($0.verdict.rawValue): \($0.text). \($0.evidence)." })
        page.raw("</section>")
        for table in report.tables.tables {
            page.element("h2", table.title)
            // A table's columns are its figures ID-1, ID-2, ...; RQ5's curves follow its own.
            for figure in figures where figure.id.hasPrefix(table.id.rawValue + "-") && figure.id != Self.lengthCurvesID { page.figure(figure) }
            if table.id == .rq5, let curves = figures.first(where: { $0.id == Self.lengthCurvesID }) { page.figure(curves) }
            page.raw("<table>")
            page.row([""] + table.columns.flatMap { ["\($0): paper", "simulated"] }, header: true)
            for row in table.rows {
                page.row([row.label] + row.values.flatMap { [$0.paper.map { String(format: "%.0f", $0) } ?? "-", ReproductionReport.format($0.simulated)] })
            }
            page.raw("</table>")
            if !table.claims.isEmpty { page.list(table.claims.map { "\($0.verdict.rawValue): \($0.text). \($0.evidence)." }) }
            for note in table.notes { page.element("p", note, class: "meta") }
        }
        return page.end()
    }
}
