import Foundation

/// Loads a local HTML file in headless Chromium (Debian's package) and reports what a reader would meet: console
/// errors, the SVGs as the browser laid them out, and how many colours a screenshot holds.
///
/// It drives Chromium through chromedriver (WebDriver) rather than Chromium's own log: `--enable-logging=stderr`
/// prints console.log and console.error alike at INFO, while WebDriver's browser log marks errors SEVERE, and
/// WebDriver can also measure the layout and take the screenshot in the same visit. Everything it writes goes to a
/// temporary folder it deletes; a browser that hangs makes `load` throw after `timeout`, its process group killed.
struct HeadlessChromium {
    /// What a reader meets.
    struct Page: Sendable {
        /// The browser log's SEVERE entries (console.error, uncaught exceptions, files that fail to load), as
        /// Chromium words them: `file:///…/report.html 0:98 "boom"`.
        var consoleErrors: [String]
        /// The outermost `<svg>` elements, in document order.
        var svgs: [SVGBox]
        /// Distinct colours in a screenshot of the viewport: 1 means blank.
        var screenshotColours: Int
    }

    /// An `<svg>` as the browser laid it out: its box in CSS pixels, and how many of its shapes and texts
    /// (rect, path, line, polyline, polygon, circle, ellipse, text, image, use; not those in defs, clip paths, masks,
    /// markers, patterns or symbols) have a non-empty box.
    struct SVGBox: Sendable, Equatable {
        var width: Double
        var height: Double
        var drawnElements: Int
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The viewport is a little smaller: the window's size includes its (invisible) frame.
    var windowWidth = 1000
    var windowHeight = 800
    /// For the whole visit, from starting chromedriver to the screenshot's colours.
    var timeout: TimeInterval = 30

    /// The Chromium binary on PATH (`chromium`, else `chromium-browser`), or nil; nil also when chromedriver is
    /// missing, since `load` needs both (scripts/install-browser installs both).
    static func find() -> String? {
        guard onPath("chromedriver") != nil else { return nil }
        return onPath("chromium") ?? onPath("chromium-browser")
    }

    static func onPath(_ name: String) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// scripts/png-colours, which counts a PNG's colours with Python's standard library (no zlib in the package).
    static let pngColours = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/png-colours").path

    /// Opens `file` in a fresh headless Chromium, as a reader would from disk; blocks for about two seconds, at most
    /// `timeout`.
    func load(_ file: URL) throws -> Page {
        guard let browser = Self.find(), let chromedriver = Self.onPath("chromedriver") else {
            throw Failure(description: "Chromium or chromedriver is not on PATH: bash scripts/install-browser")
        }
        let deadline = Date(timeIntervalSinceNow: timeout)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // Port 0: chromedriver picks a free one and prints it. Foundation starts it in a process group of its own,
        // which Chromium's processes join: killing the group leaves nothing behind.
        let log = folder.appendingPathComponent("chromedriver.log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw Failure(description: "cannot write \(log.path)")
        }
        let driverProcess = Process()
        driverProcess.executableURL = URL(fileURLWithPath: chromedriver)
        driverProcess.arguments = ["--port=0"]
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        driverProcess.standardOutput = logHandle
        driverProcess.standardError = logHandle
        try driverProcess.run()
        defer {
            kill(-driverProcess.processIdentifier, SIGKILL)
            driverProcess.waitUntilExit()
        }
        var port: String?
        while port == nil {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            port = text.firstMatch(of: /started successfully on port (\d+)/).map { String($0.1) }
            if port == nil {
                guard driverProcess.isRunning, Date() < deadline else {
                    throw Failure(description: "chromedriver did not start within \(timeout) s: \(text)")
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        let driver = WebDriver(port: UInt16(port!)!, deadline: deadline)

        let milliseconds = Int(timeout * 1000)
        let session = try driver.call("POST", "session", [
            "capabilities": ["alwaysMatch": [
                "goog:chromeOptions": ["binary": browser, "args": [
                    // --no-sandbox: CI runs as root. --disable-dev-shm-usage: containers' /dev/shm is often tiny.
                    // No scrollbars and a fixed scale, so that a blank page is one colour on every machine.
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                    "--force-device-scale-factor=1", "--window-size=\(windowWidth),\(windowHeight)",
                    "--user-data-dir=\(folder.appendingPathComponent("profile").path)",
                ]],
                "goog:loggingPrefs": ["browser": "ALL"],
                "timeouts": ["pageLoad": milliseconds, "script": milliseconds],
            ]],
        ])
        guard let id = (session as? [String: Any])?["sessionId"] as? String else {
            throw Failure(description: "chromedriver gave no session: \(String(describing: session))")
        }
        _ = try driver.call("POST", "session/\(id)/url", ["url": file.absoluteURL.absoluteString])

        let entries = try driver.call("POST", "session/\(id)/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        let errors = entries.filter { $0["level"] as? String == "SEVERE" }.compactMap { $0["message"] as? String }

        let boxes = try driver.call("POST", "session/\(id)/execute/sync", ["args": [], "script": """
            const shapes = 'rect, path, line, polyline, polygon, circle, ellipse, text, image, use';
            const hidden = 'defs, clipPath, mask, marker, pattern, symbol';
            return [...document.querySelectorAll('svg')].filter(svg => !svg.ownerSVGElement).map(svg => {
                const box = svg.getBoundingClientRect();
                const drawn = [...svg.querySelectorAll(shapes)].filter(e => !e.closest(hidden)).filter(e => {
                    const r = e.getBoundingClientRect();
                    return r.width > 0 || r.height > 0;
                });
                return {width: box.width, height: box.height, drawnElements: drawn.length};
            });
            """]) as? [[String: Any]] ?? []
        let svgs = boxes.map {
            SVGBox(width: ($0["width"] as? NSNumber)?.doubleValue ?? -1, height: ($0["height"] as? NSNumber)?.doubleValue ?? -1,
                   drawnElements: ($0["drawnElements"] as? NSNumber)?.intValue ?? -1)
        }

        guard let base64 = try driver.call("GET", "session/\(id)/screenshot") as? String,
              let png = Data(base64Encoded: base64) else { throw Failure(description: "no screenshot") }
        _ = try? driver.call("DELETE", "session/\(id)")  // Chromium quits; the group's kill is for a hang
        let screenshot = folder.appendingPathComponent("screenshot.png")
        try png.write(to: screenshot)
        let colours = try Self.run("python3", [Self.pngColours, screenshot.path], deadline: deadline)
        guard let count = Int(colours.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(description: "scripts/png-colours printed \(colours)")
        }
        return Page(consoleErrors: errors, svgs: svgs, screenshotColours: count)
    }

    /// Runs a program found on PATH to its end, or kills it at `deadline`; returns its standard output.
    static func run(_ name: String, _ arguments: [String], deadline: Date) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let output = Pipe(), errors = Pipe()  // a few lines at most: the pipes' buffers hold them until it ends
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        while process.isRunning {
            if Date() >= deadline {
                kill(-process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw Failure(description: "\(name) did not finish in time")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Failure(description: "\(name) \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// The few WebDriver (W3C) commands `HeadlessChromium` sends, plus chromedriver's `se/log` for the browser log, each
/// over a fresh loopback connection. Not URLSession: corelibs Foundation rejects chromedriver's header lines
/// (`Content-Length:250`, no space after the colon) with "Failed writing header".
private struct WebDriver {
    let port: UInt16
    let deadline: Date

    /// The answer's `value`; a WebDriver error, or no answer before the deadline, throws.
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let head = "\(method) /\(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        let answer = try exchange(Data(head.utf8) + payload, what: "\(method) /\(path)")
        let value = (try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["value"]
        if let failure = value as? [String: Any], let error = failure["error"] as? String {
            throw HeadlessChromium.Failure(description: "WebDriver \(method) /\(path): \(error): \(failure["message"] ?? "")")
        }
        return value
    }

    /// Sends `request` and reads the answer's body (up to its Content-Length, or the connection's end).
    private func exchange(_ request: Data, what: String) throws -> Data {
        func failure(_ why: String) -> HeadlessChromium.Failure {
            HeadlessChromium.Failure(description: "Chromium did not answer \(what): \(why)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw failure("no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw failure("cannot connect to chromedriver") }
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw failure("cannot send")
        }
        var received = Data(), buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw failure("timed out") }
            // A receive waits at most until the deadline: a hung browser fails the load instead of hanging it.
            var wait = timeval(tv_sec: Int(left), tv_usec: min(999_999, Int(left.truncatingRemainder(dividingBy: 1) * 1e6) + 1))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 { throw failure(errno == EAGAIN ? "timed out" : String(cString: strerror(errno))) }
            received.append(contentsOf: buffer[..<n])
            guard let end = received.firstRange(of: Data("\r\n\r\n".utf8)) else {
                if n == 0 { throw failure("connection closed") }
                continue
            }
            let headers = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
            let length = headers.firstMatch(of: /content-length:\s*(\d+)/).flatMap { Int($0.1) }
            if n == 0 || received.count - end.upperBound >= length ?? .max { return Data(received[end.upperBound...]) }
        }
    }
}
