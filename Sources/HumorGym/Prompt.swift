/// Which part of a world's prompts: learners see `train`; reports use `test` (in distribution) and `ood`.
public enum Split: String, Sendable, Codable, CaseIterable {
    case train, test, ood
}

/// One input to the student: in the paraphrase world a literal first-person sentence.
public struct Prompt: Hashable, Sendable {
    /// Unique within its world across all splits; candidate sets and tabular parameters are keyed by it.
    public let id: Int
    public let split: Split
    public let text: Text

    public init(id: Int, split: Split, text: Text) {
        self.id = id
        self.split = split
        self.text = text
    }
}

/// A (prompt, response) pair: a demonstration, a sampled action, one side of a preference pair.
public struct Example: Hashable, Sendable {
    public let prompt: Prompt
    public let response: Text

    public init(prompt: Prompt, response: Text) {
        self.prompt = prompt
        self.response = response
    }
}

extension Split {
    /// The splits reports measure: in distribution (test) and out of it (ood).
    public static let evaluated: [Split] = [.test, .ood]
}

/// One value for each split.
public struct PerSplit<Value: Sendable>: Sendable {
    public var train: Value
    public var test: Value
    public var ood: Value

    /// `value(split)` for every split, in split order.
    public init(_ value: (Split) throws -> Value) rethrows {
        train = try value(.train)
        test = try value(.test)
        ood = try value(.ood)
    }

    public subscript(split: Split) -> Value {
        get {
            switch split {
            case .train: train
            case .test: test
            case .ood: ood
            }
        }
        set {
            switch split {
            case .train: train = newValue
            case .test: test = newValue
            case .ood: ood = newValue
            }
        }
    }
}

extension PerSplit: Codable where Value: Codable {}
