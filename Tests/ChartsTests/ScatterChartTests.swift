import Testing
@testable import Charts

@Suite struct ScatterChartTests {
    static let chart = ScatterChart(
        title: "KL against gold", xAxis: "KL to the teacher (nats)", yAxis: "gold score",
        series: [
            ScatterSeries(name: "tabular", points: [ScatterPoint(x: 0.1, y: 0.2, label: "x, y"), ScatterPoint(x: 3, y: 4)]),
            ScatterSeries(name: "transformer", points: [ScatterPoint(x: 2, y: 1, label: "big")]),
        ],
        diagonal: true)

    @Test func drawsPointsLabelsAndTheDiagonal() throws {
        let doc = try SVGDocument(Self.chart.svg())
        #expect(doc.count(class: "point") == 3)
        #expect(doc.elements(class: "point-label").map(\.text) == ["x, y", "big"])
        let diagonal = try #require(doc.first(class: "diagonal"))
        #expect(diagonal.attributes["stroke-dasharray"] != nil)
        var plain = Self.chart
        plain.diagonal = false
        #expect(try SVGDocument(plain.svg()).count(class: "diagonal") == 0)
    }

    @Test func theDiagonalIsYEqualsX() throws {
        let doc = try SVGDocument(Self.chart.svg())
        // x runs 0...3 and y 0...4, so y = x goes from the bottom-left corner to x = 3, y = 3,
        // three quarters of the way up.
        let xAxis = try #require(doc.first(class: "x-axis")), yAxis = try #require(doc.first(class: "y-axis"))
        let bottom = try #require(yAxis.number("y1")), top = try #require(yAxis.number("y2"))
        let diagonal = try #require(doc.first(class: "diagonal"))
        #expect(diagonal.number("x1") == xAxis.number("x1"))
        #expect(diagonal.number("y1") == bottom)
        #expect(diagonal.number("x2") == xAxis.number("x2"))
        #expect(abs(try #require(diagonal.number("y2")) - (bottom + 0.75 * (top - bottom))) <= 0.01)
    }

    @Test func pointsGetTheirSeriesColour() throws {
        let doc = try SVGDocument(Self.chart.svg())
        #expect(doc.elements(class: "point").map { $0.attributes["fill"] ?? "" }
            == [Palette.color(0), Palette.color(0), Palette.color(1)])
    }

    @Test func csvListsEveryPoint() {
        #expect(Self.chart.csv() == """
            series,x,y,label
            tabular,0.1,0.2,"x, y"
            tabular,3,4,
            transformer,2,1,big

            """)
    }
}
