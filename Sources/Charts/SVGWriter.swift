import Foundation

/// A value that can stand in an SVG attribute; numbers go through `SVGWriter.number` so that output
/// is fixed-precision and never "nan", "inf" or "-0".
protocol SVGAttributeValue {
    var svgAttribute: String { get }
}

extension String: SVGAttributeValue {
    var svgAttribute: String { self }
}

extension Double: SVGAttributeValue {
    var svgAttribute: String { SVGWriter.number(self) }
}

extension Int: SVGAttributeValue {
    var svgAttribute: String { String(self) }
}

/// Attributes in the order written: `KeyValuePairs` keeps it, so output is byte-for-byte deterministic.
typealias SVGAttributes = KeyValuePairs<String, any SVGAttributeValue>

/// Builds SVG text one element a line, escaping every text and attribute value.
struct SVGWriter {
    private(set) var text = ""
    private var openElements: [String] = []

    /// `<name a="1">`, to be closed by `close()`.
    mutating func open(_ name: String, _ attributes: SVGAttributes = [:]) {
        line("<\(name)\(Self.render(attributes))>")
        openElements.append(name)
    }

    mutating func close() {
        guard let name = openElements.popLast() else { return }
        line("</\(name)>")
    }

    /// `<name a="1"/>`
    mutating func element(_ name: String, _ attributes: SVGAttributes = [:]) {
        line("<\(name)\(Self.render(attributes))/>")
    }

    /// `<name a="1">content</name>`, the content escaped.
    mutating func element(_ name: String, _ attributes: SVGAttributes = [:], text content: String) {
        line("<\(name)\(Self.render(attributes))>\(Self.escape(content))</\(name)>")
    }

    /// The document, with anything still open closed.
    func finished() -> String {
        var copy = self
        while !copy.openElements.isEmpty { copy.close() }
        return copy.text
    }

    private mutating func line(_ string: String) {
        text += String(repeating: "  ", count: openElements.count) + string + "\n"
    }

    private static func render(_ attributes: SVGAttributes) -> String {
        attributes.map { " \($0.key)=\"\(escape($0.value.svgAttribute))\"" }.joined()
    }

    /// Escapes markup characters (both quote kinds, so it serves text and attributes alike) and drops
    /// characters XML 1.0 forbids, which no escaping can carry.
    static func escape(_ string: String) -> String {
        var out = ""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || v >= 0x10000 {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A coordinate: at most 2 decimals, trailing zeros dropped; non-finite becomes 0 (a broken
    /// coordinate beats a broken document).
    static func number(_ value: Double) -> String {
        trimmed(fixed(value, decimals: 2))
    }

    /// A value for people to read (hover text): 4 significant digits, trailing zeros dropped.
    static func readable(_ value: Double) -> String {
        guard value.isFinite, value != 0 else { return number(value) }
        let decimals = 3 - Int((log10(abs(value))).rounded(.down))
        return trimmed(fixed(value, decimals: decimals))
    }

    private static func trimmed(_ fixed: String) -> String {
        guard fixed.contains(".") else { return fixed }
        var s = Substring(fixed)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : String(s)
    }

    /// `value` with exactly `decimals` decimals (0...15), by integer arithmetic so that the result does
    /// not depend on a locale or a C library; "-0.00" comes out as "0.00", non-finite as 0.
    static func fixed(_ value: Double, decimals: Int) -> String {
        let decimals = min(max(decimals, 0), 15)
        guard value.isFinite else { return fixed(0, decimals: decimals) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        guard abs(scaled) < 9e15 else { return value.description }  // beyond Int; never for a chart
        let magnitude = String(Int(abs(scaled)))
        let padded = String(repeating: "0", count: max(0, decimals + 1 - magnitude.count)) + magnitude
        let whole = padded.dropLast(decimals)
        let fraction = padded.suffix(decimals)
        let sign = scaled < 0 ? "-" : ""
        return sign + whole + (decimals > 0 ? "." + fraction : "")
    }
}
