import Testing
@testable import Charts

@Suite struct LineChartTests {
    static let chart = LineChart(
        title: "Reward over training", xAxis: "step", yAxis: "reward (nats)",
        series: [
            LineSeries(name: "a,b", points: [
                LinePoint(x: 0, y: Estimate(1, lower: 0.5, upper: 1.5)),
                LinePoint(x: 10, y: Estimate(2)),
            ]),
            LineSeries(name: "banded", points: [
                LinePoint(x: 20, y: Estimate(3, lower: 2, upper: 4)),  // given out of order: sorted by x
                LinePoint(x: 0, y: Estimate(1, lower: 0, upper: 2)),
                LinePoint(x: 10, y: Estimate(2, lower: 1, upper: 3)),
            ]),
        ])

    @Test func drawsBandsUnderLinesWithMarkers() throws {
        let doc = try SVGDocument(Self.chart.svg())
        #expect(doc.count(class: "line") == 2)
        #expect(doc.count(class: "point") == 5)
        #expect(doc.count(class: "band") == 1)  // "a,b" has only one banded point: nothing to shade
        let band = try #require(doc.first(class: "band"))
        #expect(band.attributes["fill-opacity"] == "0.2")
        #expect(band.attributes["fill"] == Palette.color(1))
        // Bands come before every line, so none hides a line.
        let firstLine = try #require(doc.elements.firstIndex { $0.classes.contains("line") })
        let lastBand = try #require(doc.elements.lastIndex { $0.classes.contains("band") })
        #expect(lastBand < firstLine)
    }

    @Test func aPointWithoutBothEndsBreaksTheBand() throws {
        let points = [
            LinePoint(x: 0, y: Estimate(1, lower: 0, upper: 2)), LinePoint(x: 1, y: Estimate(1, lower: 0, upper: 2)),
            LinePoint(x: 2, y: Estimate(1, lower: 0)),
            LinePoint(x: 3, y: Estimate(1, lower: 0, upper: 2)), LinePoint(x: 4, y: Estimate(1, lower: 0, upper: .nan)),
            LinePoint(x: 5, y: Estimate(1, lower: 0, upper: 2)), LinePoint(x: 6, y: Estimate(1, lower: 0, upper: 2)),
        ]
        let doc = try SVGDocument(LineChart(title: "t", xAxis: "x", yAxis: "y", series: [LineSeries(name: "s", points: points)]).svg())
        #expect(doc.count(class: "band") == 2)
        #expect(doc.count(class: "point") == 7)
    }

    @Test func yRangeCoversTheBands() throws {
        let doc = try SVGDocument(Self.chart.svg())
        let labels = doc.elements(class: "tick-label").compactMap { Double($0.text) }
        // y labels come first (0...4), then x labels (0...20).
        #expect(labels.prefix(while: { $0 <= 4 }).first == 0)
        #expect(labels.contains(4))
    }

    @Test func linePointsAreMappedInXOrder() throws {
        let doc = try SVGDocument(Self.chart.svg())
        let line = try #require(doc.elements(class: "line").last?.attributes["points"])
        let xs = line.split(separator: " ").compactMap { Double($0.split(separator: ",")[0]) }
        #expect(xs.count == 3 && xs == xs.sorted())
    }

    @Test func aLongLegendMakesTheChartTallerRatherThanOverflow() throws {
        let series = (0..<30).map { LineSeries(name: "seed \($0)", points: [LinePoint(x: 0, y: Estimate(Double($0)))]) }
        let doc = try SVGDocument(LineChart(title: "t", xAxis: "x", yAxis: "y", series: series).svg())
        let height = try #require(doc.elements.first?.number("height"))
        let lastLabel = try #require(doc.elements(class: "legend-label").last?.number("y"))
        #expect(height > 360 && lastLabel < height)
        #expect(doc.count(class: "line") == 0)  // one point each: markers only
        #expect(doc.count(class: "point") == 30)
    }

    @Test func csvListsEveryPointAsGiven() {
        let chart = LineChart(title: "t", xAxis: "x", yAxis: "y", series: [Self.chart.series[0]])
        #expect(chart.csv() == """
            series,x,value,lower,upper
            "a,b",0,1,0.5,1.5
            "a,b",10,2,,

            """)
    }
}
