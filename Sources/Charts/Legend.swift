/// How a legend entry shows its series: the same mark the plot uses, so the key reads at a glance.
enum LegendMark {
    case box, line, dot
}

extension SVGWriter {
    /// One row per series, in series order, in the layout's own column at the right of the plot.
    mutating func legend(_ names: [String], mark: LegendMark, layout: Layout) {
        guard !names.isEmpty else { return }
        open("g", ["class": "legend"])
        for (index, name) in names.enumerated() {
            let x = layout.legendX, y = layout.top + Double(index) * Layout.legendRow
            let color = Palette.color(index)
            switch mark {
            case .box:
                element("rect", ["class": "swatch", "x": x, "y": y, "width": 12, "height": 12, "fill": color])
            case .line:
                element("line", ["class": "swatch", "x1": x - 2, "y1": y + 6, "x2": x + 14, "y2": y + 6, "stroke": color, "stroke-width": 2])
                element("circle", ["class": "swatch", "cx": x + 6, "cy": y + 6, "r": 3, "fill": color])
            case .dot:
                element("circle", ["class": "swatch", "cx": x + 6, "cy": y + 6, "r": 4, "fill": color])
            }
            element("text", ["class": "legend-label", "x": x + 20, "y": y + 10], text: Layout.clip(name))
        }
        close()
    }
}
