import Foundation

/// A peer program in Python (`.venv/bin/python` first, then `python3`), run to the end: the JSON object its
/// standard output ends with, or nil when it could not run or print one.
enum PythonPeer {
    static func run(_ script: String, _ arguments: [String]) -> [String: Any]? {
        let python = FileManager.default.isExecutableFile(atPath: ".venv/bin/python") ? ".venv/bin/python" : "/usr/bin/env"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = (python == "/usr/bin/env" ? ["python3"] : []) + [script] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice  // warnings unread would fill a pipe and stall the peer
        guard (try? process.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}
