import Testing
@testable import Charts

/// What every chart's SVG must be, whatever chart and data: well-formed, escaped, finite, deterministic.
@Suite struct SVGDocumentTests {
    static let hostile = #"A <b> & "c""#

    /// Each chart kind, with awkward data: non-finite values, hostile names.
    static let charts: [(String, @Sendable () -> String)] = [
        ("bar", { BarChart(title: hostile, yAxis: "y (%)", categories: [hostile, "b"], series: [
            BarSeries(name: hostile, values: [Estimate(.nan), Estimate(3, lower: .nan, upper: .infinity)]),
            BarSeries(name: "ok", values: [Estimate(-.infinity), Estimate(1, lower: 0.5, upper: 2)]),
        ], reference: ReferenceLine(value: .nan, label: "ref")).svg() }),
        ("line", { LineChart(title: hostile, xAxis: "x", yAxis: "y", series: [
            LineSeries(name: hostile, points: [LinePoint(x: .nan, y: Estimate(1)), LinePoint(x: 1, y: Estimate(.infinity)),
                                              LinePoint(x: 2, y: Estimate(2, lower: 1, upper: 3)), LinePoint(x: 3, y: Estimate(1, lower: 0, upper: 2))]),
        ]).svg() }),
        ("scatter", { ScatterChart(title: hostile, xAxis: "x", yAxis: "y", series: [
            ScatterSeries(name: hostile, points: [ScatterPoint(x: .nan, y: 1), ScatterPoint(x: 1, y: 1, label: hostile), ScatterPoint(x: 5, y: 7)]),
        ], diagonal: true).svg() }),
    ]

    @Test(arguments: charts.map(\.0)) func parsesAsXMLWithTitleFirst(kind: String) throws {
        let svg = try #require(Self.charts.first { $0.0 == kind }?.1())
        let doc = try SVGDocument(svg)
        let root = try #require(doc.elements.first)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["role"] == "img")
        #expect(root.attributes["viewBox"] == "0 0 \(root.attributes["width"] ?? "") \(root.attributes["height"] ?? "")")
        #expect(doc.elements[1].name == "title" && doc.elements[1].text == Self.hostile)
        #expect(doc.first(class: "title")?.text == Self.hostile)
        #expect(doc.count(class: "axis-label") >= 1)
        #expect(doc.count(class: "tick-label") >= 4)
    }

    @Test(arguments: charts.map(\.0)) func escapesMarkupInNames(kind: String) throws {
        let svg = try #require(Self.charts.first { $0.0 == kind }?.1())
        #expect(svg.contains("A &lt;b&gt; &amp; &quot;c&quot;"))
        #expect(!svg.contains("<b>"))
        #expect(try SVGDocument(svg).elements(class: "legend-label").first?.text == Self.hostile)
    }

    @Test(arguments: charts.map(\.0)) func noNaNOrInfinityAnywhere(kind: String) throws {
        let svg = try #require(Self.charts.first { $0.0 == kind }?.1())
        #expect(SVGChecks.hasNoNonFinite(svg))
        #expect(!svg.contains("-0 ") && !svg.contains("\"-0\""))
    }

    @Test func hostileDataStillDrawsWhatIsFinite() throws {
        let bars = try SVGDocument(Self.charts[0].1())
        #expect(bars.count(class: "bar") == 2)  // 3 (its interval ends are not finite: no whisker) and 1
        #expect(bars.count(class: "whisker") == 1)
        #expect(bars.count(class: "reference") == 0)
        let lines = try SVGDocument(Self.charts[1].1())
        #expect(lines.count(class: "point") == 2)
        #expect(lines.count(class: "band") == 1)
        let scatter = try SVGDocument(Self.charts[2].1())
        #expect(scatter.count(class: "point") == 2)
        #expect(scatter.count(class: "point-label") == 1)
    }

    @Test func sameInputGivesIdenticalBytes() {
        for (_, draw) in Self.charts { #expect(draw() == draw()) }
        let a = BarChartTests.chart, b = BarChartTests.chart
        #expect(a.svg() == b.svg() && a.csv() == b.csv())
        #expect(LineChartTests.chart.svg() == LineChartTests.chart.svg())
        #expect(ScatterChartTests.chart.csv() == ScatterChartTests.chart.csv())
    }

    @Test func noScriptsNorExternalReferences() {
        for svg in Self.charts.map({ $0.1() }) + [BarChartTests.chart.svg(), LineChartTests.chart.svg(), ScatterChartTests.chart.svg()] {
            for banned in ["<script", "href", "@import", "url(", "<style", "<foreignObject"] {
                #expect(!svg.contains(banned), "\(banned)")
            }
        }
    }
}

@Suite struct EmptyChartTests {
    static let empties: [(String, String)] = [
        ("bar without series", BarChart(title: "Empty <bars>", yAxis: "y", categories: ["a"]).svg()),
        ("bar without categories", BarChart(title: "Empty <bars>", yAxis: "y", categories: [],
                                            series: [BarSeries(name: "s", values: [Estimate(1)])]).svg()),
        ("bar of nils", BarChart(title: "Empty <bars>", yAxis: "y", categories: ["a", "b"],
                                 series: [BarSeries(name: "s", values: [nil, Estimate(.nan)])]).svg()),
        ("line without series", LineChart(title: "Empty <lines>", xAxis: "x", yAxis: "y").svg()),
        ("line of NaN", LineChart(title: "Empty <lines>", xAxis: "x", yAxis: "y", series: [
            LineSeries(name: "s", points: [LinePoint(x: .nan, y: Estimate(1)), LinePoint(x: 1, y: Estimate(.nan))]),
            LineSeries(name: "none", points: []),
        ]).svg()),
        ("scatter without series", ScatterChart(title: "Empty <points>", xAxis: "x", yAxis: "y", diagonal: true).svg()),
        ("scatter of infinities", ScatterChart(title: "Empty <points>", xAxis: "x", yAxis: "y", series: [
            ScatterSeries(name: "s", points: [ScatterPoint(x: .infinity, y: 1, label: "l")]),
        ]).svg()),
    ]

    @Test(arguments: empties.map(\.0)) func saysNoDataInAValidSVG(name: String) throws {
        let svg = try #require(Self.empties.first { $0.0 == name }?.1)
        let doc = try SVGDocument(svg)
        #expect(doc.elements.first?.name == "svg")
        #expect(doc.elements[1].name == "title" && doc.elements[1].text.hasPrefix("Empty <"))
        #expect(doc.first(class: "no-data")?.text == "no data")
        #expect(doc.count(class: "bar") + doc.count(class: "point") + doc.count(class: "line") == 0)
        #expect(SVGChecks.hasNoNonFinite(svg))
    }

    @Test func emptyChartsStillHaveTheirCSVHeader() {
        #expect(BarChart(title: "t", yAxis: "y", categories: []).csv() == "category,series,value,lower,upper\n")
        #expect(LineChart(title: "t", xAxis: "x", yAxis: "y").csv() == "series,x,value,lower,upper\n")
        #expect(ScatterChart(title: "t", xAxis: "x", yAxis: "y").csv() == "series,x,y,label\n")
    }
}
