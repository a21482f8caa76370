/// Reads the items of a list out of an LLM's free-form answer: "1. a", "2) b", "(3) c", "4: d", "- e",
/// "* f", with blank lines, a preamble ("Here are three paraphrases:"), closing remarks, surrounding quotes
/// and markdown emphasis. Numbered items win over bullets; lines that are neither are not items.
public enum NumberedList {
    public static func items(in answer: String) -> [String] {
        let lines = answer.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let numbered = lines.compactMap(numberedItem)
        let items = numbered.isEmpty ? lines.compactMap(bulletItem) : numbered
        return items.map(clean).filter { !$0.isEmpty }
    }

    /// "12. text", "12) text", "(12) text", "12: text", "**12.** text" -> "text".
    static func numberedItem(_ line: String) -> String? {
        var rest = Substring(line.replacingOccurrences(of: "**", with: ""))
        if rest.first == "(" { rest = rest.dropFirst() }
        let digits = rest.prefix(while: \.isNumber)
        guard !digits.isEmpty, digits.count <= 3 else { return nil }
        rest = rest.dropFirst(digits.count)
        guard let marker = rest.first, ".):".contains(marker) else { return nil }
        return String(rest.dropFirst())
    }

    static func bulletItem(_ line: String) -> String? {
        guard let first = line.first, "-*•".contains(first), line.dropFirst().first == " " else { return nil }
        return String(line.dropFirst(2))
    }

    /// Trims spaces, markdown emphasis and one pair of surrounding quotes.
    static func clean(_ item: String) -> String {
        var text = item.trimmingCharacters(in: .whitespaces)
        for (open, close) in [("\"", "\""), ("“", "”"), ("'", "'"), ("*", "*"), ("_", "_")] where text.count >= 2 {
            if text.hasPrefix(open) && text.hasSuffix(close) { text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces) }
        }
        return text
    }
}

/// An answer that declines the task instead of doing it (the paper lost 3-4% of inputs to these).
public enum Refusal {
    static let openings = [
        "i'm sorry", "i am sorry", "sorry,", "i can't", "i cannot", "i can not", "i won't", "i will not", "i'm unable",
        "i am unable", "as an ai", "i'm not able", "i am not able", "i apologize", "unfortunately, i",
    ]

    /// True when the answer opens with a refusal and holds no list.
    public static func isRefusal(_ answer: String) -> Bool {
        let start = answer.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            .replacingOccurrences(of: "’", with: "'")
        return openings.contains { start.hasPrefix($0) } && NumberedList.items(in: answer).isEmpty
    }
}
