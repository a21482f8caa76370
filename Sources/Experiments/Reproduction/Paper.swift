/// The figures of "Small But Funny" (Ravi et al., ACL 2024) that HumorGym's simulation stands in for, written
/// once: `diagnose-critic` prints Table 1's beside its own, `reproduce` every table's. Source:
/// `reference/paper-notes.md` of the project's shared notes; the paper reports no variance.
public enum Paper {
    /// Table 1: the 70B critic (multiple-choice prompting) against human judgements, in percent.
    public enum Critic {
        public static let humorAgreement = 76.0
        public static let consistencyAgreement = 59.0
        public static let positionFlips = 15.0
        public static let lengthBias = 20.0
    }

    /// A student of Tables 2-4 and 6: the paper's name and the learner that stands for it.
    public struct Student: Sendable {
        public var paper: String
        public var learner: String
    }

    public static let ft = Student(paper: "FT", learner: "imitation")
    public static let sd = Student(paper: "SD", learner: "sd")
    public static let brio = Student(paper: "BRIO", learner: "brio")
    public static let dpo = Student(paper: "DPO", learner: "dpo")
    public static let brioDPO = Student(paper: "BRIO-DPO", learner: "brio-dpo")
    /// Table 2's students, in the paper's order.
    public static let students = [ft, sd, brio, dpo, brioDPO]

    /// Table 2: WTR against the teacher, in distribution, by the independent evaluator and by the critic.
    public static let table2: [String: (evaluator: Double, critic: Double)] = [
        "FT": (30, 28), "SD": (35, 36), "BRIO": (48, 53), "DPO": (52, 60), "BRIO-DPO": (56, 65),
    ]

    /// Table 3: WTR out of distribution, by the critic (SD is not reported).
    public static let table3: [String: Double] = ["FT": 34, "BRIO": 42, "DPO": 47, "BRIO-DPO": 49]

    /// Table 4: FT with one third, two thirds and all of the teacher's pairs (12K, 24K, 36K), by the critic.
    public static let table4Data: [Double] = [24, 26, 30]
    /// Table 4: BRIO with 10 epochs and feedback every 10, 5 and 1 epochs, by the critic.
    public static let table4Feedback: [(every: Int, wtr: Double)] = [(10, 43), (5, 56), (1, 66)]

    /// Table 6 (the human study): WTR on humor alone and on consistency (meaning) alone.
    public static let table6: [String: (humor: Double, consistency: Double)] = [
        "FT": (23, 38), "BRIO": (43, 32), "DPO": (51, 34),
    ]
}
