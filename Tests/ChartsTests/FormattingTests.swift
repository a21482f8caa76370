import Testing
@testable import Charts

@Suite struct NumberFormattingTests {
    @Test func coordinatesHaveAtMostTwoDecimals() {
        #expect(SVGWriter.number(0.1 + 0.2) == "0.3")
        #expect(SVGWriter.number(12.3456) == "12.35")
        #expect(SVGWriter.number(100) == "100")
        #expect(SVGWriter.number(-3.2) == "-3.2")
        #expect(SVGWriter.number(0.5) == "0.5")
    }

    @Test func neverNegativeZeroNorNonFinite() {
        #expect(SVGWriter.number(-0.0) == "0")
        #expect(SVGWriter.number(-0.001) == "0")
        #expect(SVGWriter.fixed(-0.004, decimals: 2) == "0.00")
        #expect(SVGWriter.number(.nan) == "0")
        #expect(SVGWriter.number(-.infinity) == "0")
    }

    @Test func hoverTextHasFourSignificantDigits() {
        #expect(SVGWriter.readable(0.25) == "0.25")
        #expect(SVGWriter.readable(50) == "50")
        #expect(SVGWriter.readable(1234.56) == "1235")
        #expect(SVGWriter.readable(-0.0012345) == "-0.001235")
        #expect(SVGWriter.readable(.nan) == "0")
    }

    @Test func fixedKeepsItsDecimals() {
        #expect(SVGWriter.fixed(0.5, decimals: 2) == "0.50")
        #expect(SVGWriter.fixed(-2.5, decimals: 1) == "-2.5")
        #expect(SVGWriter.fixed(1234.5, decimals: 0) == "1235")
        #expect(SVGWriter.fixed(0.0003, decimals: 4) == "0.0003")
    }
}

@Suite struct EscapingTests {
    @Test func markupCharactersAreEscaped() {
        #expect(SVGWriter.escape(#"<a & "b" 'c'>"#) == "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;")
    }

    @Test func charactersXMLCannotCarryAreDropped() {
        #expect(SVGWriter.escape("a\u{0}b\u{1B}c\u{FFFF}") == "abc")
        #expect(SVGWriter.escape("tab\there, é, 😀") == "tab\there, é, 😀")
    }

    @Test func elementsKeepAttributeOrder() {
        var svg = SVGWriter()
        svg.open("g", ["class": "x", "b": 1.5, "a": 2])
        svg.element("text", ["y": "\"q\""], text: "1 < 2")
        #expect(svg.finished() == "<g class=\"x\" b=\"1.5\" a=\"2\">\n  <text y=\"&quot;q&quot;\">1 &lt; 2</text>\n</g>\n")
    }
}

@Suite struct CSVTests {
    @Test func fieldsAreQuotedOnlyWhenTheyMustBe() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field(#"say "hi""#) == #""say ""hi""""#)
        #expect(CSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CSV.field("") == "")
    }

    @Test func numbersAreFullPrecisionWithoutTrailingZero() {
        #expect(CSV.number(50) == "50")
        #expect(CSV.number(-0.0) == "0")
        #expect(CSV.number(0.1 + 0.2) == "0.30000000000000004")
        #expect(CSV.number(nil) == "")
    }
}

@Suite struct PaletteTests {
    @Test func okabeItoColoursCycleBySeriesIndex() {
        #expect(Palette.okabeIto.count == 8)
        #expect(Set(Palette.okabeIto).count == 8)
        #expect(Palette.color(0) == "#E69F00")
        #expect(Palette.color(8) == Palette.color(0))
        #expect(Palette.color(-1) == Palette.color(7))
    }
}
