import Foundation
import HumorGym

/// Finds a spec by name or path: `NAME` is `DIR/NAME.yaml` under the current directory when that file
/// exists, else the built-in spec of that name; anything with a `/` or a `.yaml`/`.yml` ending is a path.
public enum SpecResolver {
    public static func environment(_ argument: String?) throws -> EnvironmentSpec {
        try resolve(argument, directory: "environments", what: "environment", builtIn: ["paraphrase"],
                    defaultName: "paraphrase", lookUp: { $0 == "paraphrase" ? EnvironmentSpec() : nil }, parse: EnvironmentSpec.init(yaml:file:))
    }

    public static func policy(_ argument: String?) throws -> PolicySpec {
        try resolve(argument, directory: "policies", what: "policy", builtIn: PolicySpec.builtInNames,
                    defaultName: "log-linear", lookUp: PolicySpec.builtIn, parse: PolicySpec.init(yaml:file:))
    }

    /// `builtIn` names what `lookUp` finds without a file; the default is one of them.
    static func resolve<T>(_ argument: String?, directory: String, what: String, builtIn: [String], defaultName: String,
                           lookUp: (String) -> T?, parse: (String, String) throws -> T) throws -> T {
        // No argument: the embedded default, whatever files the working directory holds.
        guard let argument else {
            guard let spec = lookUp(defaultName) else { throw HumorGymError("no \(what) given, and there is no default \(what)") }
            return spec
        }
        let isPath = argument.contains("/") || argument.hasSuffix(".yaml") || argument.hasSuffix(".yml")
        let path = isPath ? argument : "\(directory)/\(argument).yaml"
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw HumorGymError("\(path): cannot read the \(what) file as UTF-8 text")
            }
            return try parse(text, path)
        }
        if !isPath, let spec = lookUp(argument) { return spec }
        if isPath { throw HumorGymError("\(what) file '\(argument)' does not exist") }
        throw HumorGymError("unknown \(what) '\(argument)': no file \(path) in \(FileManager.default.currentDirectoryPath) and no built-in \(what) of that name (built-in: \(builtIn.joined(separator: ", ")))")
    }
}
