import Experiments
import Foundation
import HumorGym
import LLM
import Synchronization

/// A status line on standard error while a long command works, for a person watching a terminal: which seed
/// and learner, which epoch and round, the LLM requests so far, elapsed and estimated time left. It exists only
/// when standard error is a terminal (pipes and CI logs get nothing extra) and `--quiet` is not given; lines
/// the command prints for good are written above it. Nothing it reads or shows feeds back into a result.
final class LiveProgress: Sendable {
    /// Where one seed's training stands.
    private struct Seed {
        var learner: String
        var warmStart: Bool
        var step: Int
        var epoch: Int?
        var round: Int?
        var finished = 0
    }

    private struct State {
        /// The seeds under way, by index (seeds train concurrently).
        var running: [Int: Seed] = [:]
        var done = 0
        /// Units found done before this process started (reproduce's saved cells): not in the estimate of time left.
        var doneBefore = 0
        var lastDraw: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let clock = ContinuousClock()
    private let began: ContinuousClock.Instant
    private let seeds: Int
    private let units: Int
    private let unitName: String
    private let learnersPerSeed: Int
    private let epochs: @Sendable (String) -> Int?
    private let llm: LLMClientPool

    /// - Parameters:
    ///   - units: the units of work in all (compare's (seed, learner) runs, reproduce's cells), for the estimate of time left.
    ///   - unitName: what they are called on the status line.
    ///   - epochs: a learner's (or, by ``Trainer/warmStartPhase``, the warm start's) epochs, where its settings say.
    init?(quiet: Bool, seeds: Int, units: Int, unitName: String = "runs", llm: LLMClientPool,
          epochs: @escaping @Sendable (String) -> Int? = { _ in nil }) {
        guard !quiet, isatty(STDERR_FILENO) == 1 else { return nil }
        began = clock.now
        self.seeds = seeds
        self.units = units
        self.unitName = unitName
        learnersPerSeed = max(1, units / max(1, seeds))
        self.llm = llm
        self.epochs = epochs
    }

    /// For `compare`: the runs' steps, and `line` for good as each finishes.
    func hear(_ event: Comparison.Event, line: String) {
        switch event {
        case .step(let seed, let phase, let step):
            state.withLock { s in
                let warm = phase == Trainer.warmStartPhase
                s.running[seed] = Seed(learner: warm ? Trainer.warmStartPhase : step.algorithm, warmStart: warm, step: step.step,
                                       epoch: step.values["epoch"].map { Int($0) }, round: step.values["round"].map { Int($0) },
                                       finished: s.running[seed]?.finished ?? 0)
            }
            draw(force: false)
        case .finished(let seed, _):
            state.withLock { s in
                s.running[seed, default: Seed(learner: "", warmStart: false, step: 0)].finished += 1
                if s.running[seed]!.finished == learnersPerSeed { s.running[seed] = nil }
            }
            done(line)
        }
    }

    /// A unit of work is done (`before`: found done by an earlier run): `line` is written for good above the status.
    func done(_ line: String, before: Bool = false) {
        state.withLock { s in
            s.done += 1
            if before { s.doneBefore += 1 }
        }
        print(line)
    }

    /// Writes `line` for good above the status line, and redraws the status.
    func print(_ line: String) {
        write("\r\u{1B}[2K" + line + "\n")
        draw(force: true)
    }

    /// Clears the status line, leaving the terminal as it was.
    func finish() { write("\r\u{1B}[2K") }

    /// Redraws the status line; under the lock, so that an older status never overwrites a newer one.
    private func draw(force: Bool) {
        let now = clock.now
        state.withLock { s in
            // A few redraws a second are enough for a person and cost nothing.
            if !force, let last = s.lastDraw, now - last < .milliseconds(200) { return }
            s.lastDraw = now
            var parts = s.running.keys.sorted().map { index in
                let seed = s.running[index]!
                let epoch = seed.epoch.map { e in "epoch \(e)" + (epochs(seed.learner).map { "/\($0)" } ?? "") }
                return ["seed \(index + 1)/\(seeds)", seed.warmStart ? "warm start" : seed.learner, seed.round.map { "round \($0)" }, epoch]
                    .compactMap { $0 }.joined(separator: " ")
            }
            parts.append("\(s.done)/\(units) \(unitName) done")
            let llm = llm.statistics
            if llm.sent + llm.cacheHits > 0 {
                parts.append("LLM \(llm.sent) sent, \(llm.cacheHits) from cache, \(llm.retries) retried")
            }
            let elapsed = (now - began).seconds
            var time = "\(Self.clock(elapsed)) elapsed"
            let computed = s.done - s.doneBefore
            if computed > 0 { time += ", ~\(Self.clock(elapsed / Double(computed) * Double(units - s.done))) left" }
            parts.append(time)
            write("\r\u{1B}[2K" + String(parts.joined(separator: " · ").prefix(Self.width() - 1)))
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// The terminal's width, so that the status stays on one line.
    static func width() -> Int {
        var size = winsize()
        return ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 100
    }
}
