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

    /// 100 x the shares of (order, pair) judgements that are wins or ties for the student, and that are
    /// abstentions (an LLM's answer without a verdict: not a win, and reported so that a low WTR from a judge
    /// that mostly abstains is not read as a weak student; nil for the gold judge, which always decides).
    public func rates(student: [Example], teacher: [Text]) async throws -> (winOrTie: Double, abstentions: Double?) {
        precondition(student.count == teacher.count && !student.isEmpty, "one teacher output per student example")
        var wins = 0.0, abstentions: Double? = nil
        switch judge {
        case .gold(let gold, let aspect):
            for (s, t) in zip(student, teacher) where aspect.of(gold.judge(s.response, for: s.prompt)) >= aspect.of(gold.judge(t, for: s.prompt)) {
                wins += 2
            }
        case .critic(let critic):
            let pairs = zip(student, teacher).map { PairRequest(prompt: $0.prompt, first: $0.response, second: $1) }
            abstentions = 0
            for (studentFirst, teacherFirst) in try await critic.compareBothOrders(pairs) {
                if studentFirst.verdict == .first || studentFirst.verdict == .tie { wins += 1 }
                if teacherFirst.verdict == .second || teacherFirst.verdict == .tie { wins += 1 }
                abstentions! += Double([studentFirst, teacherFirst].filter { $0.verdict == .abstain }.count)
            }
        }
        let judgements = Double(2 * student.count)
        return (100 * wins / judgements, abstentions.map { 100 * $0 / judgements })
    }
}
