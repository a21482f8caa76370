import HumorGym

/// The judge used for reporting, configured apart from the training critic. WTR is the paper's
/// win-or-tie rate of the student against the teacher's output on the same prompt, judged in both
/// presentation orders, x100: 50 means "as good as the teacher".
public struct Evaluator: Sendable {
    public enum Judge: Sendable {
        /// The gold judge: a win or tie when gold(student) >= gold(teacher), in either order.
        case gold(any GoldJudge)
        /// Any critic: a win or tie when the verdict is not for the teacher; an abstention is not a win.
        case critic(any Critic)
    }

    public let judge: Judge

    public init(_ judge: Judge) { self.judge = judge }

    /// 100 x the share of (order, pair) judgements that are wins or ties for the student.
    public func winOrTieRate(student: [Example], teacher: [Text]) async throws -> Double {
        precondition(student.count == teacher.count && !student.isEmpty, "one teacher output per student example")
        var wins = 0.0
        switch judge {
        case .gold(let gold):
            for (s, t) in zip(student, teacher) where gold.judge(s.response, for: s.prompt).total >= gold.judge(t, for: s.prompt).total {
                wins += 2
            }
        case .critic(let critic):
            let pairs = zip(student, teacher).map { PairRequest(prompt: $0.prompt, first: $0.response, second: $1) }
            for (studentFirst, teacherFirst) in try await critic.compareBothOrders(pairs) {
                if studentFirst.verdict == .first || studentFirst.verdict == .tie { wins += 1 }
                if teacherFirst.verdict == .second || teacherFirst.verdict == .tie { wins += 1 }
            }
        }
        return 100 * wins / Double(2 * student.count)
    }
}
