/// Where things go on the canvas: title on top, y labels at the left, x labels below, and the legend
/// in its own column at the right, so that it never covers the data.
struct Layout {
    static let defaultWidth = 640.0
    static let defaultHeight = 360.0
    static let legendRow = 18.0
    static let longestName = 32

    let width: Double
    let height: Double
    /// The plot area's edges, in pixels.
    let left: Double, top: Double, right: Double, bottom: Double
    /// The legend column's left edge.
    let legendX: Double
    /// Where the rotated y-axis label stands: just left of the tick labels.
    let yTitleX: Double

    /// - Parameters:
    ///   - yLabels: the y tick labels, whose width sets the left margin.
    ///   - legend: the legend entries, whose width sets the legend column and whose number may add height.
    ///   - minPlotWidth: bar charts ask for room for their bars; the canvas widens to give it.
    ///   - xLabelHeight: room below the axis for x tick labels (more when they are slanted).
    ///   - minLeft: slanted x labels may reach further left than the y labels.
    init(yLabels: [String], legend: [String], minPlotWidth: Double = 0, xLabelHeight: Double = 20, minLeft: Double = 0) {
        let labelWidth = yLabels.map { Self.textWidth($0) }.max() ?? 0
        left = max(28 + labelWidth + 10, minLeft)
        yTitleX = left - 10 - labelWidth - 12
        top = 44
        let legendWidth = legend.isEmpty ? 0 : 34 + (legend.map { Self.textWidth(Self.clip($0)) }.max() ?? 0)
        let rightMargin = 16 + legendWidth
        width = max(Self.defaultWidth, (left + minPlotWidth + rightMargin).rounded(.up))
        right = width - rightMargin
        legendX = right + 16
        let belowPlot = 8 + xLabelHeight + 22  // tick labels, then the axis label
        height = max(Self.defaultHeight, (top + Double(legend.count) * Self.legendRow + belowPlot).rounded(.up))
        bottom = height - belowPlot
    }

    var plotWidth: Double { right - left }
    var plotHeight: Double { bottom - top }

    /// A rough width for 12 px sans-serif text; SVG has no text metrics without a renderer.
    static func textWidth(_ text: String, fontSize: Double = 12) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    /// Long names are cut (with an ellipsis) in legends and category labels; the CSV keeps them whole.
    static func clip(_ text: String) -> String {
        text.count <= longestName ? text : String(text.prefix(longestName - 1)) + "…"
    }
}
