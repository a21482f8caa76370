/// One series of a bar chart (e.g. a learner): a value per category, `nil` where it has none.
public struct BarSeries: Sendable, Equatable {
    public var name: String
    public var values: [Estimate?]

    public init(name: String, values: [Estimate?]) {
        self.name = name
        self.values = values
    }
}

/// A horizontal line a reader compares bars against, e.g. 50 "as good as the teacher".
public struct ReferenceLine: Sendable, Equatable {
    public var value: Double
    public var label: String

    public init(value: Double, label: String = "") {
        self.value = value
        self.label = label
    }
}

/// Grouped bars with interval whiskers: one group per category (e.g. a split), one bar per series
/// (e.g. a learner). The y axis always includes 0, since a bar's length is its value.
public struct BarChart: Sendable, Equatable {
    public var title: String
    /// The y label with its unit, e.g. "WTR against the teacher (%)".
    public var yAxis: String
    public var categories: [String]
    public var series: [BarSeries]
    public var reference: ReferenceLine?

    public init(title: String, yAxis: String, categories: [String], series: [BarSeries] = [], reference: ReferenceLine? = nil) {
        self.title = title
        self.yAxis = yAxis
        self.categories = categories
        self.series = series
        self.reference = reference
    }

    /// Bars with a finite value in an existing category; values beyond the categories are ignored.
    private var bars: [(category: Int, series: Int, estimate: Estimate)] {
        series.indices.flatMap { s in
            series[s].values.prefix(categories.count).enumerated().compactMap { c, estimate in
                estimate.flatMap { $0.value.isFinite ? (c, s, $0) : nil }
            }
        }
    }

    public func svg() -> String {
        let bars = self.bars
        guard !bars.isEmpty else { return SVGWriter.noData(title: title) }
        var covered = [0.0] + bars.flatMap(\.estimate.finiteValues)
        if let reference, reference.value.isFinite { covered.append(reference.value) }
        let grid = Grid(chart: self, axis: Axis(covering: covered))

        var svg = SVGWriter.chart(title: title, width: grid.layout.width, height: grid.layout.height)
        svg.yAxis(grid.axis, label: yAxis, layout: grid.layout)
        drawCategoryLabels(grid, into: &svg)
        for bar in bars {
            let top = grid.axis.pixel(bar.estimate.value), zero = grid.axis.pixel(0)
            svg.open("rect", [
                "class": "bar", "x": grid.barX(bar.category, bar.series), "y": min(top, zero), "width": grid.barWidth,
                "height": abs(zero - top), "fill": Palette.color(bar.series),
            ])
            svg.element("title", text: "\(series[bar.series].name), \(categories[bar.category]): \(describe(bar.estimate))")
            svg.close()
        }
        for bar in bars { drawWhisker(bar.estimate, x: grid.barX(bar.category, bar.series) + grid.barWidth / 2, grid, into: &svg) }
        svg.xAxisLine(label: "", layout: grid.layout)
        if grid.axis.lower < 0 {  // bars grow from zero, so zero gets a baseline when it is not the bottom
            let zero = grid.axis.pixel(0)
            svg.element("line", ["class": "zero", "x1": grid.layout.left, "y1": zero, "x2": grid.layout.right, "y2": zero, "stroke": SVGWriter.ink])
        }
        if let reference, reference.value.isFinite { drawReference(reference, grid, into: &svg) }
        svg.legend(series.map(\.name), mark: .box, layout: grid.layout)
        return svg.finished()
    }

    /// Where bars go: one group per category; bars fill the middle 80% of their group, so groups stay apart.
    private struct Grid {
        var axis: Axis
        var layout: Layout
        var group: Double
        var barWidth: Double
        /// Category labels wider than their group are slanted rather than overlapped.
        var slanted: Bool

        init(chart: BarChart, axis: Axis) {
            let longest = chart.categories.map { Layout.textWidth(Layout.clip($0)) }.max() ?? 0
            let minPlotWidth = Double(chart.categories.count) * (Double(chart.series.count) * 16 + 16)
            let names = chart.series.map(\.name)
            layout = Layout(yLabels: axis.labels, legend: names, minPlotWidth: minPlotWidth)
            group = layout.plotWidth / Double(chart.categories.count)
            slanted = longest > group - 6
            if slanted {  // rotated 35°: labels reach down by sin 35° and left by cos 35° of their length
                layout = Layout(yLabels: axis.labels, legend: names, minPlotWidth: minPlotWidth,
                                xLabelHeight: 12 + longest * 0.58, minLeft: longest * 0.82 - group / 2 + 8)
                group = layout.plotWidth / Double(chart.categories.count)
            }
            barWidth = 0.8 * group / Double(chart.series.count)
            self.axis = axis
            (self.axis.start, self.axis.end) = (layout.bottom, layout.top)
        }

        func barX(_ category: Int, _ series: Int) -> Double {
            layout.left + (Double(category) + 0.1) * group + Double(series) * barWidth
        }
    }

    private func drawCategoryLabels(_ grid: Grid, into svg: inout SVGWriter) {
        for (index, category) in categories.enumerated() {
            let x = grid.layout.left + (Double(index) + 0.5) * grid.group, y = grid.layout.bottom + (grid.slanted ? 14 : 18)
            let (n, label) = (SVGWriter.number, Layout.clip(category))
            if grid.slanted {
                svg.element("text", [
                    "class": "category-label", "x": x, "y": y, "text-anchor": "end", "transform": "rotate(-35 \(n(x)) \(n(y)))",
                ], text: label)
            } else {
                svg.element("text", ["class": "category-label", "x": x, "y": y, "text-anchor": "middle"], text: label)
            }
        }
    }

    /// From the lower to the upper end, capped at both; a missing end is replaced by the value.
    private func drawWhisker(_ e: Estimate, x: Double, _ grid: Grid, into svg: inout SVGWriter) {
        let lower = e.lower.flatMap { $0.isFinite ? $0 : nil }, upper = e.upper.flatMap { $0.isFinite ? $0 : nil }
        guard lower != nil || upper != nil else { return }
        let cap = min(grid.barWidth * 0.3, 6)
        let y1 = grid.axis.pixel(lower ?? e.value), y2 = grid.axis.pixel(upper ?? e.value)
        let (n, l, r) = (SVGWriter.number, SVGWriter.number(x - cap), SVGWriter.number(x + cap))
        svg.element("path", [
            "class": "whisker", "d": "M\(n(x)) \(n(y1))V\(n(y2))M\(l) \(n(y1))H\(r)M\(l) \(n(y2))H\(r)",
            "stroke": SVGWriter.ink, "stroke-width": 1.5, "fill": "none",
        ])
    }

    private func drawReference(_ reference: ReferenceLine, _ grid: Grid, into svg: inout SVGWriter) {
        let y = grid.axis.pixel(reference.value)
        svg.element("line", [
            "class": "reference", "x1": grid.layout.left, "y1": y, "x2": grid.layout.right, "y2": y,
            "stroke": "#555555", "stroke-width": 1.5, "stroke-dasharray": "6 4",
        ])
        guard !reference.label.isEmpty else { return }
        svg.element("text", [
            "class": "reference-label", "x": grid.layout.right - 4, "y": y - 5, "text-anchor": "end", "fill": "#555555",
            "stroke": "#ffffff", "stroke-width": 3, "paint-order": "stroke",  // a halo, legible over bars
        ], text: reference.label)
    }

    /// One row per category and series, in that order; a missing value leaves its fields empty.
    public func csv() -> String {
        let rows = categories.indices.flatMap { c in
            series.map { s in
                let e = c < s.values.count ? s.values[c] : nil
                return [categories[c], s.name, CSV.number(e?.value), CSV.number(e?.lower), CSV.number(e?.upper)]
            }
        }
        return CSV.table(header: ["category", "series", "value", "lower", "upper"], rows: rows)
    }

    /// A bar's hover text: the value and its interval.
    private func describe(_ e: Estimate) -> String {
        let f = SVGWriter.readable
        guard let (lower, upper) = e.finiteInterval else { return f(e.value) }
        return "\(f(e.value)) [\(f(lower)), \(f(upper))]"
    }
}
