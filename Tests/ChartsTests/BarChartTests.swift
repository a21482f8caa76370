import Testing
@testable import Charts

@Suite struct BarChartTests {
    static let chart = BarChart(
        title: "WTR by split",
        yAxis: "WTR against the teacher (%)",
        categories: ["easy", "hard, long"],
        series: [
            BarSeries(name: "A", values: [Estimate(50, lower: 40, upper: 60), nil]),
            BarSeries(name: #"B "q""#, values: [Estimate(0.25), Estimate(-1.5, lower: -2, upper: -1)]),
        ],
        reference: ReferenceLine(value: 50, label: "as good as the teacher"))

    @Test func drawsOneBarPerValueAndOneWhiskerPerInterval() throws {
        let doc = try SVGDocument(Self.chart.svg())
        #expect(doc.count(class: "bar") == 3)  // one value is nil
        #expect(doc.count(class: "whisker") == 2)
        #expect(doc.count(class: "category-label") == 2)
        #expect(doc.count(class: "legend-label") == 2)
        let reference = try #require(doc.first(class: "reference"))
        #expect(reference.attributes["stroke-dasharray"] != nil)
        #expect(doc.first(class: "reference-label")?.text == "as good as the teacher")
        #expect(doc.elements(class: "bar").first?.attributes["fill"] == Palette.color(0))
        #expect(doc.elements.first { $0.name == "title" && $0.parent == "rect" }?.text == "A, easy: 50 [40, 60]")
    }

    @Test func aBarOfFiftyOnAHundredAxisReachesHalfway() throws {
        // The interval's upper end (100) sets the axis to 0...100, so 50 is half the plot height.
        let chart = BarChart(title: "t", yAxis: "y", categories: ["c"],
                             series: [BarSeries(name: "s", values: [Estimate(50, lower: 40, upper: 100)])])
        let doc = try SVGDocument(chart.svg())
        let axis = try #require(doc.first(class: "y-axis"))
        let bottom = try #require(axis.number("y1")), top = try #require(axis.number("y2"))
        #expect(doc.elements(class: "tick-label").map(\.text) == ["0", "20", "40", "60", "80", "100"])
        let bar = try #require(doc.first(class: "bar"))
        let y = try #require(bar.number("y")), height = try #require(bar.number("height"))
        #expect(abs(y - (top + (bottom - top) / 2)) <= 0.01)
        #expect(abs(height - (bottom - top) / 2) <= 0.01)
        #expect(abs(y + height - bottom) <= 0.01)  // standing on zero
    }

    @Test func negativeBarsHangFromZero() throws {
        let chart = BarChart(title: "t", yAxis: "y", categories: ["c"],
                             series: [BarSeries(name: "s", values: [Estimate(-10)]), BarSeries(name: "u", values: [Estimate(10)])])
        let doc = try SVGDocument(chart.svg())
        let bars = doc.elements(class: "bar")
        let down = try #require(bars.first?.number("y")), up = try #require(bars.last?.number("y"))
        let upHeight = try #require(bars.last?.number("height"))
        #expect(abs(down - (up + upHeight)) <= 0.01)  // both meet at the zero line
        #expect(doc.first(class: "zero")?.number("y1") == down)
    }

    @Test func yRangeIncludesZeroTheReferenceAndIntervalEnds() throws {
        let chart = BarChart(title: "t", yAxis: "y", categories: ["c"],
                             series: [BarSeries(name: "s", values: [Estimate(30, lower: 25, upper: 35)])],
                             reference: ReferenceLine(value: 50, label: "ref"))
        let doc = try SVGDocument(chart.svg())
        let labels = doc.elements(class: "tick-label").compactMap { Double($0.text) }
        #expect(labels.first == 0)
        #expect(try #require(labels.last) >= 50)
    }

    @Test func legendSitsRightOfThePlot() throws {
        let doc = try SVGDocument(Self.chart.svg())
        let right = try #require(doc.first(class: "x-axis")?.number("x2"))
        for swatch in doc.elements(class: "swatch") {
            #expect(try #require(swatch.number("x")) > right)
        }
        for bar in doc.elements(class: "bar") {
            #expect(try #require(bar.number("x")) + (try #require(bar.number("width"))) <= right + 0.01)
        }
    }

    @Test func longCategoryNamesAreSlantedInsideTheCanvas() throws {
        let categories = (1...8).map { "a rather long split name \($0)" }
        let chart = BarChart(title: "t", yAxis: "y", categories: categories,
                             series: [BarSeries(name: "s", values: categories.map { _ in Estimate(1) })])
        let doc = try SVGDocument(chart.svg())
        let first = try #require(doc.first(class: "category-label"))
        #expect(first.attributes["transform"]?.hasPrefix("rotate(-35") == true)
        // The label ends at its group's centre and runs left by cos 35° of its estimated width.
        #expect(try #require(first.number("x")) - 0.82 * 7.2 * Double(first.text.count) >= 0)
    }

    @Test func manyBarsWidenTheChart() throws {
        let categories = (1...12).map { "split \($0)" }
        let series = (1...6).map { s in BarSeries(name: "learner \(s)", values: categories.map { _ in Estimate(Double(s)) }) }
        let doc = try SVGDocument(BarChart(title: "t", yAxis: "y", categories: categories, series: series).svg())
        let width = try #require(doc.elements.first?.number("width"))
        #expect(width > 640)
        #expect(doc.count(class: "bar") == 72)
    }

    @Test func csvListsEveryCategoryAndSeries() {
        #expect(Self.chart.csv() == """
            category,series,value,lower,upper
            easy,A,50,40,60
            easy,"B ""q\""",0.25,,
            "hard, long",A,,,
            "hard, long","B ""q\""",-1.5,-2,-1

            """)
    }
}
