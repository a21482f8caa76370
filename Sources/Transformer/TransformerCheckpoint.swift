import Foundation
import HumorGym

/// A transformer student saved as safetensors: every tensor under its GPT-2 name, and in the metadata the
/// configuration, the sampling settings and the tokenizer (its words, and its merges when it is subword), so
/// that the file alone rebuilds the policy.
extension TransformerPolicy {
    /// Version 2: the settings under the policy files' keys (version 1 used the Swift property names).
    static let checkpointFormat = "humorgym-transformer-2"
    public static var savesCheckpoints: Bool { true }

    public func checkpoint() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let tensors = model.layout.tensors.map { t in
            (t.name, SafeTensors.Tensor(shape: t.shape, values: Array(model.parameters[t.range])))
        }
        return try SafeTensors.encode(tensors, metadata: [
            "format": Self.checkpointFormat, "configuration": model.configuration.parameters.json,
            "sampling": sampling.parameters.json, "tokenizer": json(tokenizer),
        ])
    }

    public init(checkpoint data: Data, file: String) throws {
        let (tensors, metadata) = try SafeTensors.decode(data, file: file)
        guard metadata["format"] == Self.checkpointFormat else {
            throw HumorGymError("\(file): not a HumorGym transformer checkpoint (format '\(metadata["format"] ?? "none")')")
        }
        func decoded<T: Decodable>(_ key: String, _: T.Type) throws -> T {
            guard let text = metadata[key], let value = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else {
                throw HumorGymError("\(file): the checkpoint's '\(key)' metadata is missing or malformed")
            }
            return value
        }
        /// Read with the policy files' ranges, which bound what the file can make us allocate.
        func settings(_ key: String) throws -> ParameterDictionary {
            guard let text = metadata[key] else { throw HumorGymError("\(file): the checkpoint's '\(key)' metadata is missing") }
            return try ParameterDictionary(json: text, name: "\(file): \(key)")
        }
        let tokenizer = try decoded("tokenizer", Tokenizer.self)
        let configuration = try TransformerConfiguration(vocabularySize: tokenizer.count, from: settings("configuration"))
        // Every tensor is checked against the layout before the model is built, so the file's own size
        // bounds what loading allocates.
        let layout = TransformerLayout(configuration)
        for t in layout.tensors {
            guard let stored = tensors[t.name] else { throw HumorGymError("\(file): tensor '\(t.name)' is missing") }
            guard stored.shape == t.shape else {
                throw HumorGymError("\(file): tensor '\(t.name)' has shape \(stored.shape), expected \(t.shape)")
            }
            guard stored.dtype == .f32 else { throw HumorGymError("\(file): tensor '\(t.name)' is \(stored.dtype.rawValue), expected F32") }
            guard stored.values.allSatisfy(\.isFinite) else { throw HumorGymError("\(file): tensor '\(t.name)' holds NaN or infinite values") }
        }
        if let extra = tensors.keys.sorted().first(where: { name in !layout.tensors.contains { $0.name == name } }) {
            throw HumorGymError("\(file): unexpected tensor '\(extra)'")
        }
        do {
            try self.init(tokenizer: tokenizer, configuration: configuration, sampling: try Sampling(from: settings("sampling")))
        } catch let error as TransformerError {
            throw HumorGymError("\(file): \(error)")
        }
        var parameters = model.parameters
        for t in layout.tensors { parameters.replaceSubrange(t.range, with: tensors[t.name]!.values.map(Float.init)) }
        model.parameters = parameters
    }

    /// Saves atomically to `path`.
    public func save(to path: String) throws { try SafeTensors.writeAtomically(checkpoint(), to: path) }

    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw HumorGymError("cannot read checkpoint \(path)") }
        try self.init(checkpoint: data, file: path)
    }
}
