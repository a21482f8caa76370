import Foundation

/// A chart of a report, with its data (written beside the report as `figures/ID.csv`).
public struct ReportFigure: Sendable {
    public var id: String
    public var svg: String
    public var csv: String
    public var caption: String
}

/// A self-contained HTML page built element by element, every text escaped: the chrome both reports share
/// (`compare`'s and `reproduce`'s), with inline SVG figures and no script.
struct HTMLPage {
    private(set) var text = ""

    /// Opens a page titled `title` (its `<title>` and `<h1>`).
    init(title: String) {
        raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(Self.escape(title))</title>\n<style>\(Self.style)</style>\n</head>\n<body>")
        element("h1", title)
    }

    /// Closes the page and returns it.
    mutating func end() -> String {
        raw("</body>\n</html>")
        return text
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    mutating func raw(_ html: String) { text += html + "\n" }

    mutating func element(_ name: String, _ content: String, class className: String? = nil) {
        raw("<\(name)\(className.map { " class=\"\($0)\"" } ?? "")>\(Self.escape(content))</\(name)>")
    }

    mutating func list(_ items: [String]) { raw("<ul>\n" + items.map { "<li>\(Self.escape($0))</li>" }.joined(separator: "\n") + "\n</ul>") }

    mutating func row(_ cells: [String], header: Bool = false) {
        let tag = header ? "th" : "td"
        raw("<tr>" + cells.map { "<\(tag)>\(Self.escape($0))</\(tag)>" }.joined() + "</tr>")
    }

    mutating func figure(_ figure: ReportFigure) {
        raw("<figure id=\"\(figure.id)\">\n\(figure.svg)")
        raw("<figcaption>\(Self.escape(figure.caption)) <a href=\"figures/\(figure.id).csv\">Data (CSV)</a></figcaption>\n</figure>")
    }

    /// Writes `html` as `report.html` and each figure's data as `figures/ID.csv` into `directory`.
    static func write(_ html: String, figures: [ReportFigure], to directory: String) throws {
        let folder = URL(fileURLWithPath: directory).appendingPathComponent("figures").path
        try ResultsWriter.prepare(directory: folder)
        for figure in figures { try ResultsWriter.write(Data(figure.csv.utf8), named: "\(figure.id).csv", in: folder) }
        try ResultsWriter.write(Data(html.utf8), named: "report.html", in: directory)
    }

    static let style = """
        body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}
        h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
        .meta{color:#555;font-size:.9rem}.findings{background:#f4f7fb;border:1px solid #cdd9e5;padding:.2rem 1rem;margin:1rem 0}.findings h2{margin-top:.8rem}
        figure{margin:1.5rem 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#444}
        table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}caption{text-align:left;font-weight:bold;padding:.3rem 0}
        th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f2f2f2}
        .samples td{font-family:monospace;font-size:.8rem}.score{color:#666}
        @media print{body{margin:0;max-width:none}a{color:inherit}}
        """
}
