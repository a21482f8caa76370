/// One point of a scatter chart, with an optional label drawn beside it (e.g. the learner's name).
public struct ScatterPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var label: String?

    public init(x: Double, y: Double, label: String? = nil) {
        self.x = x
        self.y = y
        self.label = label
    }
}

/// One group of points, sharing a colour and a legend entry.
public struct ScatterSeries: Sendable, Equatable {
    public var name: String
    public var points: [ScatterPoint]

    public init(name: String, points: [ScatterPoint]) {
        self.name = name
        self.points = points
    }
}

/// Points, e.g. each learner's KL against its gold score; optional labels per point, and an optional
/// dashed y = x diagonal for charts whose two axes measure the same thing.
public struct ScatterChart: Sendable, Equatable {
    public var title: String
    public var xAxis: String
    public var yAxis: String
    public var series: [ScatterSeries]
    public var diagonal: Bool

    public init(title: String, xAxis: String, yAxis: String, series: [ScatterSeries] = [], diagonal: Bool = false) {
        self.title = title
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.diagonal = diagonal
    }

    public func svg() -> String {
        let groups = series.map { $0.points.filter { $0.x.isFinite && $0.y.isFinite } }
        let points = groups.flatMap { $0 }
        guard !points.isEmpty else { return SVGWriter.noData(title: title) }
        var x = Axis(covering: points.map(\.x))
        var y = Axis(covering: points.map(\.y))
        let layout = Layout(yLabels: y.labels, legend: series.map(\.name))
        (x.start, x.end) = (layout.left, layout.right)
        (y.start, y.end) = (layout.bottom, layout.top)

        var svg = SVGWriter.chart(title: title, width: layout.width, height: layout.height)
        svg.yAxis(y, label: yAxis, layout: layout)
        svg.xAxis(x, label: xAxis, layout: layout)
        // The diagonal runs where both axes overlap; with no overlap, y = x is off the chart.
        let from = max(x.lower, y.lower), to = min(x.upper, y.upper)
        if diagonal, from < to {
            svg.element("line", [
                "class": "diagonal", "x1": x.pixel(from), "y1": y.pixel(from), "x2": x.pixel(to), "y2": y.pixel(to),
                "stroke": "#888888", "stroke-width": 1.5, "stroke-dasharray": "6 4",
            ])
        }
        for (index, group) in groups.enumerated() {
            for point in group {
                svg.open("circle", [
                    "class": "point", "cx": x.pixel(point.x), "cy": y.pixel(point.y), "r": 4,
                    "fill": Palette.color(index), "fill-opacity": 0.85, "stroke": "#ffffff", "stroke-width": 0.5,
                ])
                let label = point.label.map { " (\($0))" } ?? ""
                svg.element("title", text: "\(series[index].name)\(label): \(SVGWriter.readable(point.x)), \(SVGWriter.readable(point.y))")
                svg.close()
            }
        }
        for group in groups {
            for point in group {
                guard let label = point.label, !label.isEmpty else { continue }
                // Labels in the right quarter go to the left of their point, so they stay in the plot.
                let px = x.pixel(point.x), leftward = px > layout.left + 0.75 * layout.plotWidth
                svg.element("text", [
                    "class": "point-label", "x": leftward ? px - 6 : px + 6, "y": y.pixel(point.y) - 6,
                    "text-anchor": leftward ? "end" : "start", "font-size": 10, "fill": SVGWriter.ink,
                ], text: label)
            }
        }
        svg.legend(series.map(\.name), mark: .dot, layout: layout)
        return svg.finished()
    }

    /// One row per point, series by series; a point without a label has an empty label field.
    public func csv() -> String {
        let rows = series.flatMap { s in s.points.map { [s.name, CSV.number($0.x), CSV.number($0.y), $0.label ?? ""] } }
        return CSV.table(header: ["series", "x", "y", "label"], rows: rows)
    }
}
