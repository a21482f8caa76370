import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An SVG read back with Foundation's XML parser: proof that it is well-formed, and a way to find
/// elements by class and read their attributes.
struct SVGDocument {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
        /// Direct parent's element name ("" for the root).
        var parent: String

        func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
    }

    struct ParseError: Error { var description: String }

    /// All elements in document order.
    let elements: [Element]

    init(_ svg: String) throws {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else {
            throw ParseError(description: parser.parserError.map { "\($0)" } ?? "unknown XML error")
        }
        elements = collector.elements
    }

    func elements(class name: String) -> [Element] { elements.filter { $0.classes.contains(name) } }
    func count(class name: String) -> Int { elements(class: name).count }
    func first(class name: String) -> Element? { elements(class: name).first }
}

private final class Collector: NSObject, XMLParserDelegate {
    var elements: [SVGDocument.Element] = []
    private var stack: [Int] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let parent = stack.last.map { elements[$0].name } ?? ""
        elements.append(.init(name: name, attributes: attributes, text: "", parent: parent))
        stack.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard let index = stack.last else { return }
        elements[index].text += string
    }
}

/// Checks every chart's SVG must pass, whatever its data.
enum SVGChecks {
    /// No number went wrong: neither "nan" nor "inf" appears anywhere (case-insensitively).
    static func hasNoNonFinite(_ svg: String) -> Bool {
        let lower = svg.lowercased()
        return !lower.contains("nan") && !lower.contains("inf")
    }
}
