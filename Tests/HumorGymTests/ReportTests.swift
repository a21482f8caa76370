import Experiments
import Foundation
import HumorGym
import Testing

/// The HTML report of a real (small) comparison with curves: what the page holds, and how a browser shows it.
@Suite(.serialized) struct ReportTests {
    /// Made once for the suite (its tests run one after another).
    actor Made {
        var folder: ResultsFolder?

        func get() async throws -> ResultsFolder {
            if let folder { return folder }
            var env = EnvironmentSpec()
            env.paraphrase.trainPrompts = 40; env.paraphrase.testPrompts = 12; env.paraphrase.oodPrompts = 10
            let made = try await Comparison(experiment: Experiment(environment: env, policy: PolicySpec()), algorithms: ["imitation", "rwr", "dpo"],
                                            seedCount: 2, curves: CurveSettings(every: 1, prompts: 6), criticPairs: 60).run()
            folder = made
            return made
        }
    }

    static let made = Made()

    @Test func thePageIsSelfContainedAndHoldsEveryFigureWithItsData() async throws {
        let folder = try await Self.made.get()
        let report = HTMLReport(folder)
        let figures = report.figures()
        #expect(figures.map(\.id) == ["wtr", "lc-wtr", "curve-critic", "curve-gold", "curve-kl", "curve-wtr", "curve-length", "gold-kl", "loss-1", "loss-2", "loss-3"])
        let html = report.html(figures)
        #expect(html == HTMLReport(folder).html(HTMLReport(folder).figures()))  // the same results, the same bytes
        #expect(!html.contains("<script") && !html.contains("@import") && !html.contains("src="))
        // No address but the SVG namespace and the figures' own CSV files.
        let addresses = html.components(separatedBy: "http").dropFirst().map { String($0.prefix(30)) }
        #expect(addresses.allSatisfy { $0.hasPrefix("://www.w3.org/2000/svg") }, "\(addresses)")
        #expect(html.components(separatedBy: "<svg ").count - 1 == figures.count)
        for figure in figures {
            #expect(html.contains("href=\"figures/\(figure.id).csv\""))
            #expect(figure.csv.split(separator: "\n").count > 2)
        }
        for section in ["Findings", "Which differences are decided", "Over training", "The critic the learners trained against", "What they wrote"] {
            #expect(html.contains("<h2>\(section)</h2>"), "missing section \(section)")
        }
        // Every learner's samples, beside the teacher's, for each prompt shown.
        #expect(html.components(separatedBy: "<th>teacher</th>").count - 1 == SampleSheet.prompts)
    }

    @Test func textFromTheResultsIsEscaped() async throws {
        var folder = try await Self.made.get()
        folder.samples.entries[0].teacher[0].text = "<script>alert(1)</script> & \"quotes\""
        let html = HTMLReport(folder).html([])
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
    }

    /// Loaded from disk in headless Chromium: no console error, every SVG laid out with something drawn, and a
    /// screenshot that is not blank.
    @Test(.enabled(if: HeadlessChromium.find() != nil, "install Chromium: bash scripts/install-browser"))
    func chromiumShowsTheReport() async throws {
        let folder = try await Self.made.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("humorgym-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try folder.write(to: directory.path)
        let page = try HeadlessChromium().load(directory.appendingPathComponent("report.html"))
        #expect(page.consoleErrors.isEmpty, "\(page.consoleErrors)")
        #expect(page.svgs.count == HTMLReport(folder).figures().count)
        for svg in page.svgs {
            #expect(svg.width > 200 && svg.height > 150 && svg.drawnElements > 10, "\(svg)")
        }
        #expect(page.screenshotColours > 20)
    }
}
