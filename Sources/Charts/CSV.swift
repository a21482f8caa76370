import Foundation

/// CSV text for a chart's data, quoted per RFC 4180 so that names with commas or quotes survive.
public enum CSV {
    /// One line per row, `\n`-terminated, each field quoted only when it needs to be.
    static func table(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") + "\n" }.joined()
    }

    /// A field is quoted when it holds a comma, a quote or a line break; inner quotes are doubled.
    public static func field(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number at full precision (the CSV is the data, not the picture): integers without ".0",
    /// others as Swift's shortest round-tripping form; a missing number is an empty field.
    static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return value.description
    }
}
