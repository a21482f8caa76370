import Foundation
import Testing

/// CI installs Chromium (`.ci/run` runs scripts/install-browser), so there a missing browser fails instead of
/// silently skipping the browser checks; elsewhere `HeadlessChromiumTests` skips.
@Suite struct HeadlessChromiumInstalledTests {
    @Test func chromiumIsInstalledOnCI() {
        guard ProcessInfo.processInfo.environment["CI"] == "true" else { return }
        #expect(HeadlessChromium.find() != nil, "CI=true, but chromium or chromedriver is not on PATH: bash scripts/install-browser")
    }
}

/// Each check of `HeadlessChromium` on small hand-written pages, both failing and passing, so that a report's browser
/// test cannot pass for want of a working check. Serialized: one Chromium at a time on a small machine.
@Suite(.serialized, .enabled(if: HeadlessChromium.find() != nil, "install Chromium: bash scripts/install-browser"))
final class HeadlessChromiumTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-pages-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Writes `body` into a page of its own and loads it.
    func load(_ body: String, timeout: TimeInterval = 30) throws -> HeadlessChromium.Page {
        let file = folder.appendingPathComponent("page \(UUID().uuidString).html")  // a space, as paths may have
        try "<!doctype html><html><head><meta charset=\"utf-8\"><title>t</title></head><body>\(body)</body></html>"
            .write(to: file, atomically: true, encoding: .utf8)
        var browser = HeadlessChromium()
        browser.timeout = timeout
        return try browser.load(file)
    }

    /// console.error is an error; console.log and console.warn are not.
    @Test func consoleErrorsAreReported() throws {
        let page = try load(#"<p>hi</p><script>console.log("fine"); console.warn("careful"); console.error("boom")</script>"#)
        #expect(page.consoleErrors.count == 1)
        #expect(page.consoleErrors.contains { $0.contains(#""boom""#) })
    }

    /// An uncaught exception and a file that fails to load reach the console as errors too.
    @Test func exceptionsAndMissingFilesAreConsoleErrors() throws {
        let page = try load(#"<img src="missing.png" alt=""><script>throw new Error("kaput")</script>"#)
        #expect(page.consoleErrors.count == 2)
        #expect(page.consoleErrors.contains { $0.contains("kaput") })
        #expect(page.consoleErrors.contains { $0.contains("ERR_FILE_NOT_FOUND") })
    }

    /// An inline SVG with a rect and a path, as a report draws it: laid out, drawn, no errors.
    @Test func aCleanPageWithAnSVGPasses() throws {
        let page = try load("""
            <h1>Report</h1>
            <svg width="400" height="200" viewBox="0 0 400 200">
              <defs><clipPath id="c"><rect width="400" height="200"/></clipPath></defs>
              <rect x="10" y="10" width="100" height="50" fill="steelblue"/>
              <path d="M10 150 L200 100 L390 180" stroke="crimson" fill="none" stroke-width="3"/>
            </svg>
            """)
        #expect(page.consoleErrors.isEmpty)
        #expect(page.svgs == [HeadlessChromium.SVGBox(width: 400, height: 200, drawnElements: 2)])
        #expect(page.screenshotColours > 1)
    }

    /// An empty SVG has no size and draws nothing.
    @Test func anEmptySVGIsReportedEmpty() throws {
        let page = try load(#"<p>no chart</p><svg width="0" height="0"></svg>"#)
        #expect(page.svgs == [HeadlessChromium.SVGBox(width: 0, height: 0, drawnElements: 0)])
    }

    /// A blank white page screenshots as one colour.
    @Test func aBlankPageIsOneColour() throws {
        let page = try load("")
        #expect(page.consoleErrors.isEmpty)
        #expect(page.svgs.isEmpty)
        #expect(page.screenshotColours == 1)
    }

    /// A page whose script never ends fails within the timeout instead of hanging the tests.
    @Test func aHungPageTimesOut() throws {
        let start = Date()
        let failure = #expect(throws: HeadlessChromium.Failure.self) {
            try self.load("<script>while (true) {}</script>", timeout: 3)
        }
        #expect(failure?.description.contains("timed out") == true, "\(String(describing: failure))")
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
