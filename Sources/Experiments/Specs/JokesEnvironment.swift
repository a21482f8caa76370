import HumorGym
import Teachers
import Worlds

/// The setup -> punchline world on human jokes and what it allows: people wrote these jokes, so there is no
/// gold judge, and the critic and evaluator are LLMs; the teacher is the corpus (the human punchline) or an LLM.
public struct JokesEnvironment: Sendable, Equatable {
    public enum Teacher: Sendable, Equatable {
        /// The corpus's own punchlines.
        case corpus
        case llm(LLMTeacherSpec)
    }

    /// Who judges for reports: the training critic itself (a fresh stream), or another LLM.
    public enum Evaluator: Sendable, Equatable {
        case critic
        case separate(LLMSpec)
    }

    public var world = JokeWorld.Configuration()
    public var teacher = Teacher.corpus
    /// N, the teacher's outputs per prompt (most setups have one human punchline).
    public var teacherOutputs = 1
    /// The training critic: an LLM, the only judge this world has.
    public var critic: LLMSpec
    public var evaluator = Evaluator.critic

    public init(critic: LLMSpec) { self.critic = critic }

    private static let noGold = "a mock critic needs the paraphrase world's gold judge; the jokes world has none: use kind: llm"

    /// The `world:` section `w` (its kind read) and the file's `teacher:`, `critic:` and `evaluator:` sections.
    init(world w: YAMLSection, file root: YAMLSection) throws {
        let configuration = try JokeWorld.Configuration(from: w)

        let t = try root.subsection("teacher")
        let teacherKind = try t.string("kind", default: "corpus", allowed: ["world", "corpus", "llm"])
        let outputs = try EnvironmentSpec.teacherOutputs(t, default: 1)
        let teacher: Teacher
        switch teacherKind {
        case "world": throw t.problem("kind", "a world teacher needs the paraphrase world; the jokes world has a corpus or an LLM teacher")
        case "corpus": teacher = .corpus; try t.finish()
        default: teacher = .llm(try EnvironmentSpec.llmTeacher(t, template: LLMTeacher.punchlineTemplate))
        }

        let c = try root.subsection("critic")
        guard try c.string("kind", default: "mock", allowed: ["mock", "llm"]) == "llm" else { throw c.problem("kind", Self.noGold) }
        self.init(critic: try EnvironmentSpec.llmCritic(c))
        world = configuration
        self.teacher = teacher
        teacherOutputs = outputs

        let e = try root.subsection("evaluator")
        switch try e.string("kind", default: "critic", allowed: ["gold", "critic", "mock", "llm"]) {
        case "gold": throw e.problem("kind", "the jokes world has no gold judge; use kind: critic or llm")
        case "mock": throw e.problem("kind", Self.noGold)
        case "critic": evaluator = .critic; try e.finish()
        default: evaluator = .separate(try EnvironmentSpec.llmCritic(e))
        }
    }
}
