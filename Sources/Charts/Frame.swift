/// The parts every chart shares: the root element, the title, the axes, and the "no data" placeholder.
extension SVGWriter {
    static let ink = "#333333"
    static let gridColor = "#e6e6e6"

    /// Opens the root `<svg>` and writes the accessible `<title>`, a white background (so the figure
    /// prints the same on any page) and the visible title.
    static func chart(title: String, width: Double, height: Double) -> SVGWriter {
        var svg = SVGWriter()
        svg.open("svg", [
            "xmlns": "http://www.w3.org/2000/svg", "width": width, "height": height,
            "viewBox": "0 0 \(number(width)) \(number(height))", "role": "img",
            "font-family": "sans-serif", "font-size": 12,
        ])
        svg.element("title", text: title)
        svg.element("rect", ["class": "background", "x": 0, "y": 0, "width": width, "height": height, "fill": "#ffffff"])
        svg.element("text", [
            "class": "title", "x": width / 2, "y": 24, "text-anchor": "middle", "font-size": 15, "font-weight": "bold",
        ], text: title)
        return svg
    }

    /// A chart with nothing to draw still says what it is, and that it is empty.
    static func noData(title: String) -> String {
        let (width, height) = (Layout.defaultWidth, Layout.defaultHeight)
        var svg = chart(title: title, width: width, height: height)
        svg.element("text", [
            "class": "no-data", "x": width / 2, "y": height / 2, "text-anchor": "middle", "fill": "#666666",
        ], text: "no data")
        return svg.finished()
    }

    /// Gridlines, ticks and labels at the left, and the axis label rotated along it.
    mutating func yAxis(_ axis: Axis, label: String, layout: Layout) {
        for (tick, text) in zip(axis.ticks, axis.labels) {
            let y = axis.pixel(tick)
            element("line", ["class": "grid", "x1": layout.left, "y1": y, "x2": layout.right, "y2": y, "stroke": Self.gridColor])
            element("line", ["class": "tick", "x1": layout.left - 5, "y1": y, "x2": layout.left, "y2": y, "stroke": Self.ink])
            element("text", ["class": "tick-label", "x": layout.left - 8, "y": y + 4, "text-anchor": "end"], text: text)
        }
        element("line", [
            "class": "y-axis", "x1": layout.left, "y1": layout.bottom, "x2": layout.left, "y2": layout.top, "stroke": Self.ink,
        ])
        let middle = (layout.top + layout.bottom) / 2
        element("text", [
            "class": "axis-label", "x": layout.yTitleX, "y": middle, "text-anchor": "middle",
            "transform": "rotate(-90 \(Self.number(layout.yTitleX)) \(Self.number(middle)))",
        ], text: label)
    }

    /// Gridlines, ticks and labels along the bottom, and the axis label under them.
    mutating func xAxis(_ axis: Axis, label: String, layout: Layout) {
        for (tick, text) in zip(axis.ticks, axis.labels) {
            let x = axis.pixel(tick)
            element("line", ["class": "grid", "x1": x, "y1": layout.top, "x2": x, "y2": layout.bottom, "stroke": Self.gridColor])
            element("line", ["class": "tick", "x1": x, "y1": layout.bottom, "x2": x, "y2": layout.bottom + 5, "stroke": Self.ink])
            element("text", ["class": "tick-label", "x": x, "y": layout.bottom + 18, "text-anchor": "middle"], text: text)
        }
        xAxisLine(label: label, layout: layout)
    }

    /// The bottom axis line, and its label if there is one.
    mutating func xAxisLine(label: String, layout: Layout) {
        element("line", [
            "class": "x-axis", "x1": layout.left, "y1": layout.bottom, "x2": layout.right, "y2": layout.bottom, "stroke": Self.ink,
        ])
        guard !label.isEmpty else { return }
        element("text", [
            "class": "axis-label", "x": (layout.left + layout.right) / 2, "y": layout.height - 10, "text-anchor": "middle",
        ], text: label)
    }
}
