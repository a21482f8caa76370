import HumorGym
import Stochastics

/// How the critique phase of Small But Funny turns a student's k samples into one pair to judge: keep the
/// most different pair (largest token edit distance), and drop pairs whose length ratio is outside
/// [1 / maxLengthRatio, maxLengthRatio] (against the critic's length bias); ``Critique`` holds those settings
/// and runs the whole phase for the learners that learn from decided pairs (DPO, SD, BRIO on its own samples).
public enum PairSelection {
    /// Levenshtein distance between token sequences.
    public static func editDistance(_ a: [Int32], _ b: [Int32]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The most different pair among `samples` (first found on ties), or nil when all samples are equal or
    /// the pair fails the length filter. `maxLengthRatio` 0 turns the filter off.
    public static func mostDifferentPair(_ samples: [Text], maxLengthRatio: Double) -> (Text, Text)? {
        var best: (Text, Text)?
        var bestDistance = 0
        for i in samples.indices {
            for j in samples.indices where j > i {
                let d = editDistance(samples[i].tokens, samples[j].tokens)
                if d > bestDistance { bestDistance = d; best = (samples[i], samples[j]) }
            }
        }
        guard let pair = best, lengthsAgree(pair.0, pair.1, maxLengthRatio: maxLengthRatio) else { return nil }
        return pair
    }

    /// Whether the longer/shorter length ratio of `a` and `b` is at most `maxLengthRatio` (0: always).
    public static func lengthsAgree(_ a: Text, _ b: Text, maxLengthRatio: Double) -> Bool {
        guard maxLengthRatio > 0 else { return true }
        let ratio = Double(a.count) / Double(max(1, b.count))
        return ratio <= maxLengthRatio && ratio >= 1 / maxLengthRatio
    }

    /// A pair the critic decided: the preferred response, the other, and P(chosen is better) in [0.5, 1].
    public struct Verdict: Sendable, Hashable {
        public var prompt: Prompt
        public var chosen: Text
        public var rejected: Text
        public var confidence: Double
    }

    /// The critique phase's settings, as every learner that runs it reads them (`samples`, `maxLengthRatio`).
    public struct Critique: Sendable, Equatable {
        /// Student samples per prompt, from which the most different pair is judged.
        public var samples = 6
        /// Drop pairs whose longer/shorter length ratio exceeds this: 1.25 keeps shorter/longer >= 0.8, like
        /// the paper's 0.8-1.2 filter; 0 keeps every pair.
        public var maxLengthRatio = 1.25

        public init(samples: Int = 6, maxLengthRatio: Double = 1.25) {
            self.samples = samples
            self.maxLengthRatio = maxLengthRatio
        }

        public init(from source: some ParameterSource) throws {
            self.init()
            samples = try source.int("samples", default: samples, range: 2...1000)
            maxLengthRatio = try source.double("maxLengthRatio", default: maxLengthRatio, range: 0...1e6)
        }

        /// The critique phase: `samples` responses from `policy` to each prompt of the environment's episode,
        /// the most different pair of each dueled (judged in both orders, averaged), and the winner of each
        /// decided pair. A prompt without a pair, or whose duel the critic abstained on, gives no verdict, never
        /// a guess; `duels` counts the pairs sent, and `prompts` is the episode.
        func run<P: Policy>(_ policy: P, environment: any FeedbackEnvironment, stream: RandomStream) async throws
            -> (verdicts: [Verdict], duels: Int, prompts: [Prompt]) {
            let prompts = environment.reset(seed: nil)
            let duels = policy.sample(prompts, count: samples, using: stream).map {
                mostDifferentPair($0, maxLengthRatio: maxLengthRatio).map { (first: $0.0, second: $0.1) }
            }
            let preferences = try await environment.duel(duels)
            var verdicts: [Verdict] = []
            for (prompt, (duel, preference)) in zip(prompts, zip(duels, preferences)) {
                guard let duel, let p = preference else { continue }
                let (chosen, rejected) = p >= 0.5 ? (duel.first, duel.second) : (duel.second, duel.first)
                verdicts.append(Verdict(prompt: prompt, chosen: chosen, rejected: rejected, confidence: max(p, 1 - p)))
            }
            return (verdicts, duels.compactMap { $0 }.count, prompts)
        }
    }
}
