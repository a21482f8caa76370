/// One point of a line: an x (e.g. a training step) and an estimate (e.g. the mean over seeds, with a band).
public struct LinePoint: Sendable, Equatable {
    public var x: Double
    public var y: Estimate

    public init(x: Double, y: Estimate) {
        self.x = x
        self.y = y
    }
}

/// One line of a line chart (e.g. a learner).
public struct LineSeries: Sendable, Equatable {
    public var name: String
    public var points: [LinePoint]

    public init(name: String, points: [LinePoint]) {
        self.name = name
        self.points = points
    }
}

/// Lines over x with shaded bands (lower...upper), e.g. a metric over training steps, the mean over
/// seeds with a band. All bands are drawn before any line, so no band hides another series' line.
public struct LineChart: Sendable, Equatable {
    public var title: String
    public var xAxis: String
    public var yAxis: String
    public var series: [LineSeries]

    public init(title: String, xAxis: String, yAxis: String, series: [LineSeries] = []) {
        self.title = title
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
    }

    /// Each series' drawable points (finite x and value), ordered by x; the sort is stable.
    private var drawable: [[LinePoint]] {
        series.map { s in
            s.points.enumerated()
                .filter { $0.element.x.isFinite && $0.element.y.value.isFinite }
                .sorted { ($0.element.x, $0.offset) < ($1.element.x, $1.offset) }
                .map(\.element)
        }
    }

    public func svg() -> String {
        let lines = drawable
        let points = lines.flatMap { $0 }
        guard !points.isEmpty else { return SVGWriter.noData(title: title) }
        var x = Axis(covering: points.map(\.x))
        var y = Axis(covering: points.flatMap(\.y.finiteValues))
        let layout = Layout(yLabels: y.labels, legend: series.map(\.name))
        (x.start, x.end) = (layout.left, layout.right)
        (y.start, y.end) = (layout.bottom, layout.top)
        let n = SVGWriter.number

        var svg = SVGWriter.chart(title: title, width: layout.width, height: layout.height)
        svg.yAxis(y, label: yAxis, layout: layout)
        svg.xAxis(x, label: xAxis, layout: layout)
        for (index, line) in lines.enumerated() {
            for run in Self.bandRuns(line) {
                let upper = run.map { "\(n(x.pixel($0.x))) \(n(y.pixel($0.upper)))" }
                let lower = run.reversed().map { "\(n(x.pixel($0.x))) \(n(y.pixel($0.lower)))" }
                svg.element("path", [
                    "class": "band", "d": "M" + (upper + lower).joined(separator: "L") + "Z",
                    "fill": Palette.color(index), "fill-opacity": 0.2, "stroke": "none",
                ])
            }
        }
        for (index, line) in lines.enumerated() where !line.isEmpty {
            let color = Palette.color(index)
            if line.count > 1 {
                svg.element("polyline", [
                    "class": "line", "points": line.map { "\(n(x.pixel($0.x))),\(n(y.pixel($0.y.value)))" }.joined(separator: " "),
                    "fill": "none", "stroke": color, "stroke-width": 2, "stroke-linejoin": "round",
                ])
            }
            for point in line {
                svg.open("circle", ["class": "point", "cx": x.pixel(point.x), "cy": y.pixel(point.y.value), "r": 3, "fill": color])
                svg.element("title", text: "\(series[index].name): \(SVGWriter.readable(point.x)), \(SVGWriter.readable(point.y.value))")
                svg.close()
            }
        }
        svg.legend(series.map(\.name), mark: .line, layout: layout)
        return svg.finished()
    }

    /// Stretches of consecutive points that all have both band ends; a point without them breaks the
    /// band rather than being bridged, and a lone banded point has no area to shade.
    static func bandRuns(_ line: [LinePoint]) -> [[(x: Double, lower: Double, upper: Double)]] {
        var runs: [[(x: Double, lower: Double, upper: Double)]] = [[]]
        for point in line {
            if let (lower, upper) = point.y.finiteInterval {
                runs[runs.count - 1].append((point.x, lower, upper))
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        return runs.filter { $0.count > 1 }
    }

    /// One row per point, series by series, points in the order given.
    public func csv() -> String {
        let rows = series.flatMap { s in
            s.points.map { [s.name, CSV.number($0.x), CSV.number($0.y.value), CSV.number($0.y.lower), CSV.number($0.y.upper)] }
        }
        return CSV.table(header: ["series", "x", "value", "lower", "upper"], rows: rows)
    }
}
