/// How a server can be made to answer in a fixed shape, as the LLM's YAML says (`structured:`).
public enum StructuredOutput: String, Sendable, CaseIterable {
    /// `response_format: {type: json_schema, ...}`: OpenAI, vLLM, llama.cpp's server.
    case jsonSchema = "json-schema"
    /// A GBNF `grammar` field: llama.cpp's server.
    case grammar
    /// Free text, read by the prompt's own parsing.
    case none
}

/// A small JSON answer a server is asked to keep to: its JSON schema, and the same as a GBNF grammar for
/// servers that take grammars. The choice comes first and the reason after it, so that the answer that
/// matters is a few tokens long.
public struct StructuredAnswer: Sendable, Hashable {
    public var name: String
    public var schema: JSONValue
    public var grammar: String

    public init(name: String, schema: JSONValue, grammar: String) {
        self.name = name
        self.schema = schema
        self.grammar = grammar
    }

    /// `{"KEY": one of values, "why": "..." (optional, at most `reasonLength` characters)}`. Servers write the
    /// required key first (llama.cpp), or the schema's properties in their order (OpenAI): requests go out with
    /// sorted keys, so the reason's key, `why`, sorts after any choice's.
    public static func choice(_ name: String, key: String, values: ClosedRange<Int>, reasonLength: Int = 100) -> StructuredAnswer {
        precondition(key < "why", "the choice's key must sort before the reason's")
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                key: ["type": "integer", "enum": .array(values.map { .integer($0) })],
                "why": ["type": "string", "maxLength": .integer(reasonLength)],
            ],
            "required": [.string(key)],
            "additionalProperties": false,
        ]
        // Longest alternatives first: "10" before "1" (GBNF alternatives are tried as written).
        let alternatives = values.reversed().map { "\"\($0)\"" }.joined(separator: " | ")
        let grammar = """
            root ::= "{\\"\(key)\\": " value ( ", \\"why\\": \\"" reason "\\"" )? "}"
            value ::= \(alternatives)
            reason ::= [^"\\\\\\n]{0,\(reasonLength)}
            """
        return StructuredAnswer(name: name, schema: schema, grammar: grammar)
    }

    /// The `response_format` of an OpenAI-style request. Not `strict`: OpenAI's strict mode allows no optional key.
    public var responseFormat: JSONValue {
        ["type": "json_schema", "json_schema": ["name": .string(name), "schema": schema]]
    }
}
