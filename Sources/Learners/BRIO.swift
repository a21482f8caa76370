import Foundation
import HumorGym
import Stochastics

/// BRIO (Liu, Liu, Radev and Neubig, ACL 2022), as Small But Funny (Ravi et al., ACL 2024) trains its BRIO
/// student: a margin ranking loss that orders the student's length-normalised log-probabilities of ranked
/// candidates as the critic ranked them, plus BRIO's cross-entropy on the reference. Its training examples
/// are FT's, the teacher's (input, output) pairs, each carrying its input's ranked candidates S_1..S_n:
///
///     s(y)  = log pi_theta(y | x) / |y|^alpha                                 (length-normalised score)
///     L_rank(x) = sum_{i < j} max(0, s(S_j) - s(S_i) + (j - i) log(2) / lambda^alpha)   (S_1 ranked best)
///     L(theta)  = (1/B) sum_{(x, r) in batch} [-log pi_theta(r | x) + gamma L_rank(x)]
///
/// so with gamma = 0 it is imitation, step for step.
/// lambda is the mean length of the round's candidates, so a margin of log(2)/lambda^alpha per rank asks for
/// the better candidate to be at least twice as likely at that length. alpha (`lengthPenalty`, BRIO's own
/// length penalty) is 1 for a student that writes token by token, whose log-probability is a sum over
/// tokens: the paper's formula. A candidate-set student's log-probability is one choice among candidates,
/// which does not grow with length; dividing it by |y| would rank a long response above a short one for
/// free, so their policy files set alpha = 0 (whole-sequence scores, a margin of log 2 per rank).
/// Where the ranked candidates come from:
///
/// - `candidates: student` (feedback, the paper's BRIO student): the student samples k responses, the most
///   different pair is judged in both orders (the critique phase DPO and SD share, ``PairSelection``), and
///   the winner ranks first. The schedule's `feedbackEvery` sets how often the student is judged again.
/// - `candidates: student-round-robin` (feedback, ranked as BRIO ranks its candidate lists): the student's
///   k samples, the distinct ones ranked by a round robin of duels between every pair that passes the same
///   length filter, so the ranking loss sees up to k(k-1)/2 ordered pairs instead of one.
/// - `candidates: teacher` (supervision, BRIO-DPO's first stage): the teacher's outputs for the prompt,
///   ranked by a round robin of the critic's duels.
///
/// In a round robin each pair is judged in both orders; a candidate's score is its summed P(win), a duel the
/// critic abstains on counts 1/2 to each side, and a pair not dueled (filtered out) counts to neither.
///
/// gamma (`rankingWeight`) is not given in either paper for this task. Its default, 10, makes the two terms
/// pull with similar force: the cross-entropy's gradient on the reference's log-probability is 1, the
/// ranking term's on a candidate's is gamma / |y|^alpha, and responses are about 10 tokens long here;
/// BRIO's own gamma (100 on CNN/DM) sits on a token-averaged cross-entropy, the same balance at its lengths.
public struct BRIO: Algorithm {
    /// Where the ranked candidates come from (see the type's documentation).
    public enum Candidates: Sendable, Equatable {
        /// The student's own samples, the most different pair judged, through the length filter, as for DPO.
        case student(PairSelection.Critique)
        /// The student's own samples, the distinct ones ranked by the critic's round robin (pairs through the
        /// length filter).
        case studentRoundRobin(PairSelection.Critique)
        /// The teacher's outputs, ranked by the critic's round robin.
        case teacher

        public static let names = ["student", "student-round-robin", "teacher"]

        /// The `candidates:` key and the keys of that source; a key of another source is unknown (an error).
        init(from source: some ParameterSource) throws {
            switch try source.string("candidates", default: "student", allowed: Self.names) {
            case "student": self = .student(try PairSelection.Critique(from: source))
            case "student-round-robin": self = .studentRoundRobin(try PairSelection.Critique(from: source))
            default: self = .teacher
            }
        }
    }

    public struct Parameters: Sendable, Equatable {
        public var candidates = Candidates.student(PairSelection.Critique())
        /// gamma, the ranking term's weight beside the cross-entropy's 1.
        public var rankingWeight = 10.0
        /// alpha: scores are log pi / |y|^alpha, margins log 2 / lambda^alpha per rank.
        public var lengthPenalty = 1.0
        /// 4 epochs, judged once (the paper's static feedback); feedbackEvery 1 re-judges every epoch.
        public var schedule = FeedbackSchedule(epochs: 4, feedbackEvery: 4)
        public init() {}
    }

    /// One training item: a teacher's output for the prompt (the reference; none for a prompt the teacher left
    /// without output) with the prompt's candidates, best first (none where the critic gave no ranking).
    public struct Item: Sendable, Hashable {
        public var prompt: Prompt
        public var ranked: [Text]
        public var reference: Text?
        public init(prompt: Prompt, ranked: [Text], reference: Text?) {
            self.prompt = prompt
            self.ranked = ranked
            self.reference = reference
        }

        /// What the loss needs the log-probabilities of: the ranked candidates, then the reference.
        public var examples: [Example] { (ranked + (reference.map { [$0] } ?? [])).map { Example(prompt: prompt, response: $0) } }

        /// A prompt's items: one per reference, each with the ranking; a ranking alone when there is none.
        static func items(prompt: Prompt, ranked: [Text], references: [Text]) -> [Item] {
            if references.isEmpty { return ranked.count > 1 ? [Item(prompt: prompt, ranked: ranked, reference: nil)] : [] }
            return references.map { Item(prompt: prompt, ranked: ranked, reference: $0) }
        }
    }

    public let name = "brio"
    public var parameters: Parameters

    public init(_ parameters: Parameters = Parameters()) { self.parameters = parameters }

    public init(from source: some ParameterSource) throws {
        var p = Parameters()
        p.candidates = try Candidates(from: source)
        p.rankingWeight = try source.double("rankingWeight", default: p.rankingWeight, range: 0...1e6)
        p.lengthPenalty = try source.double("lengthPenalty", default: p.lengthPenalty, range: 0...4)
        p.schedule = try FeedbackSchedule(from: source, defaults: p.schedule)
        try source.finish()
        self.init(p)
    }

    /// The loss over a batch of items. `logProbabilities` holds, per item, its ranked candidates then its
    /// reference (flattened in that order), and so does the returned gradient; `margin` is log(2)/lambda^alpha.
    public func loss(items: [Item], logProbabilities: [Double], margin: Double) -> BatchLoss {
        let n = Double(items.count), gamma = parameters.rankingWeight
        var gradient = [Double](repeating: 0, count: logProbabilities.count)
        var crossEntropy = 0.0, ranking = 0.0, ordered = 0.0, pairs = 0.0
        var offset = 0
        for item in items {
            let lengths = item.ranked.map { pow(Double(max(1, $0.count)), parameters.lengthPenalty) }
            let scores = item.ranked.indices.map { logProbabilities[offset + $0] / lengths[$0] }
            for i in scores.indices {
                for j in scores.indices where j > i {
                    pairs += 1
                    if scores[i] > scores[j] { ordered += 1 }
                    let violation = scores[j] - scores[i] + Double(j - i) * margin
                    guard violation > 0 else { continue }
                    ranking += violation
                    gradient[offset + j] += gamma / lengths[j] / n
                    gradient[offset + i] -= gamma / lengths[i] / n
                }
            }
            offset += item.ranked.count
            if item.reference != nil {
                crossEntropy -= logProbabilities[offset]
                gradient[offset] = -1 / n
                offset += 1
            }
        }
        return BatchLoss(value: (crossEntropy + gamma * ranking) / n, gradient: gradient, metrics: [
            "loss/ce": crossEntropy / n, "loss/ranking": ranking / n, "ranking/accuracy": pairs > 0 ? ordered / pairs : 1,
        ])
    }

    public func train<P: TrainablePolicy>(_ policy: inout P, context: TrainingContext) async throws -> [StepMetrics] {
        var loop = GradientLoop<P>(algorithm: name, context: context)
        let sampling = try context.stream("sampling")
        var references: [Prompt: [Text]] = [:]
        for (prompt, outputs) in zip(context.prompts, context.demonstrations) { references[prompt] = outputs }
        var margin = 0.0  // log(2) / lambda^alpha of the round being fitted
        return try await loop.rounds(parameters.schedule, &policy, stream: try context.stream("shuffle"), collect: { policy in
            let (rankings, abstentions) = try await rank(policy, references: references, context: context, sampling: sampling)
            let lengths = rankings.flatMap { $0.ranked.map(\.count) }
            margin = log(2) / pow(max(1, Double(lengths.reduce(0, +)) / Double(max(1, lengths.count))), parameters.lengthPenalty)
            let items = rankings.flatMap { Item.items(prompt: $0.prompt, ranked: $0.ranked, references: references[$0.prompt] ?? []) }
            return (items, ["rankings": Double(rankings.filter { $0.ranked.count > 1 }.count), "abstentions": Double(abstentions), "margin": margin])
        }, examples: \.examples, loss: { loss(items: $0, logProbabilities: $1, margin: margin) })
    }

    /// This round's rankings, one per prompt of the episode (empty where the critic gave none: the prompt keeps
    /// only its cross-entropy), and the number of duels the critic abstained on.
    private func rank(_ policy: some Policy, references: [Prompt: [Text]], context: TrainingContext,
                      sampling: RandomStream) async throws -> (rankings: [(prompt: Prompt, ranked: [Text])], abstentions: Int) {
        switch parameters.candidates {
        case .student(let critique):
            let (verdicts, duels, prompts) = try await critique.run(policy, environment: context.environment, stream: sampling)
            var ranked: [Prompt: [Text]] = [:]
            for v in verdicts { ranked[v.prompt] = [v.chosen, v.rejected] }
            return (prompts.map { ($0, ranked[$0] ?? []) }, duels - verdicts.count)
        case .studentRoundRobin(let critique):
            let prompts = context.environment.reset(seed: nil)
            var samples: [Prompt: [Text]] = [:]
            for (prompt, drawn) in zip(prompts, policy.sample(prompts, count: critique.samples, using: sampling)) {
                samples[prompt] = drawn.enumerated().filter { !drawn[..<$0.offset].contains($0.element) }.map(\.element)
            }
            return try await Self.roundRobin(samples, episode: prompts, environment: context.environment) {
                PairSelection.lengthsAgree($0, $1, maxLengthRatio: critique.maxLengthRatio)
            }
        case .teacher:
            let prompts = context.environment.reset(seed: nil)
            return try await Self.roundRobin(references, episode: prompts, environment: context.environment) { _, _ in true }
        }
    }

    /// Ranks each prompt's candidates, best first, by a round robin: each round duels pair (a, b) of every prompt
    /// of an episode that has both and whose pair `duels` accepts, `episode` (just reset) the first and a fresh
    /// one each round after. With the in-order environment every episode is the whole training split, so every
    /// prompt meets its full round robin. Equal scores keep the candidates' order; a prompt none of whose duels
    /// the critic decided has no ranking. Also returns the number of duels the critic abstained on.
    static func roundRobin(_ candidates: [Prompt: [Text]], episode first: [Prompt], environment: any FeedbackEnvironment,
                           duels: (Text, Text) -> Bool) async throws -> (rankings: [(prompt: Prompt, ranked: [Text])], abstentions: Int) {
        let largest = candidates.values.map(\.count).max() ?? 0
        var seen: [Prompt] = [], wins: [Prompt: [Double]] = [:], decided: Set<Prompt> = [], abstentions = 0
        func meet(_ prompts: [Prompt]) {
            for prompt in prompts where wins[prompt] == nil {
                seen.append(prompt)
                wins[prompt] = [Double](repeating: 0, count: candidates[prompt]?.count ?? 0)
            }
        }
        meet(first)
        var episode: [Prompt]? = first
        for a in 0..<largest {
            for b in (a + 1)..<max(a + 1, largest) {
                let prompts = episode ?? environment.reset(seed: nil)
                episode = nil
                meet(prompts)
                let pairs = prompts.map { prompt in
                    candidates[prompt].flatMap { c in c.count > b && duels(c[a], c[b]) ? (first: c[a], second: c[b]) : nil }
                }
                let preferences = try await environment.duel(pairs)
                for (prompt, (pair, preference)) in zip(prompts, zip(pairs, preferences)) where pair != nil {
                    if preference == nil { abstentions += 1 } else { decided.insert(prompt) }
                    let first = preference ?? 0.5
                    wins[prompt]?[a] += first
                    wins[prompt]?[b] += 1 - first
                }
            }
        }
        return (seen.map { prompt in
            let c = candidates[prompt] ?? [], w = wins[prompt] ?? []
            return (prompt, decided.contains(prompt) ? c.indices.sorted { w[$0] > w[$1] || (w[$0] == w[$1] && $0 < $1) }.map { c[$0] } : [])
        }, abstentions)
    }
}
