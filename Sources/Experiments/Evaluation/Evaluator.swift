import HumorGym

/// The judge used for reporting, configured apart from the training critic. WTR is the paper's
/// win-or-tie rate of the student against the teacher's output on the same prompt, judged in both
/// presentation orders, x100: 50 means "as good as the teacher".
public struct Evaluator: Sendable {
    public enum Judge: Sendable {
        /// The gold judge: a win or tie when gold(student) >= gold(teacher) on `aspect`, in either order. On
        /// humor or consistency alone it stands for the paper's human study (WTR-H, WTR-C).
        case gold(any GoldJudge, aspect: Aspect = .total)
        /// Any critic: a win or tie when the verdict is not for the teacher; an abstention is not a win.
        case critic(any Critic)
    }

    /// What of the gold score a gold judgement compares.
    public enum Aspect: String, Sendable, CaseIterable {
        case total, humor, consistency

        func of(_ score: GoldScore) -> Double {
            switch self {
            case .total: score.total
            case .humor: score.humor
            case .consistency: score.consistency
            }
        }
    }

    public let judge: Judge

    public init(_ judge: Judge) { self.judge = judge }

    /// One student-teacher pair judged in both presentation orders.
    public struct PairOutcome: Sendable, Equatable {
        /// Judgements (of the 2) that are a win or tie for the student.
        public var winsOrTies: Int
        /// Judgements (of the 2) without a verdict: an LLM's answer without one (always 0 for the gold judge).
        public var abstentions: Int
    }

    /// Each student example against its teacher output, in both orders.
    public func judge(student: [Example], teacher: [Text]) async throws -> [PairOutcome] {
        precondition(student.count == teacher.count && !student.isEmpty, "one teacher output per student example")
        switch judge {
        case .gold(let gold, let aspect):
            return zip(student, teacher).map { s, t in
                PairOutcome(winsOrTies: aspect.of(gold.judge(s.response, for: s.prompt)) >= aspect.of(gold.judge(t, for: s.prompt)) ? 2 : 0,
                            abstentions: 0)
            }
        case .critic(let critic):
            let pairs = zip(student, teacher).map { PairRequest(prompt: $0.prompt, first: $0.response, second: $1) }
            return try await critic.compareBothOrders(pairs).map { studentFirst, teacherFirst in
                PairOutcome(winsOrTies: (studentFirst.verdict == .first || studentFirst.verdict == .tie ? 1 : 0)
                                + (teacherFirst.verdict == .second || teacherFirst.verdict == .tie ? 1 : 0),
                            abstentions: [studentFirst, teacherFirst].filter { $0.verdict == .abstain }.count)
            }
        }
    }

    /// 100 x the shares of (order, pair) judgements that are wins or ties for the student, and that are
    /// abstentions (an LLM's answer without a verdict: not a win, and reported so that a low WTR from a judge
    /// that mostly abstains is not read as a weak student; nil for the gold judge, which always decides).
    public func rates(student: [Example], teacher: [Text]) async throws -> (winOrTie: Double, abstentions: Double?) {
        Self.rates(try await judge(student: student, teacher: teacher), abstains: isCritic)
    }

    public static func rates(_ outcomes: [PairOutcome], abstains: Bool) -> (winOrTie: Double, abstentions: Double?) {
        let judgements = Double(2 * outcomes.count)
        return (100 * Double(outcomes.reduce(0) { $0 + $1.winsOrTies }) / judgements,
                abstains ? 100 * Double(outcomes.reduce(0) { $0 + $1.abstentions }) / judgements : nil)
    }

    /// Whether it is a critic, which may abstain (the gold judge always decides).
    var isCritic: Bool {
        if case .critic = judge { return true }
        return false
    }
}
