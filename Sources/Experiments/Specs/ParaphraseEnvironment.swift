import Critics
import HumorGym
import Teachers
import Worlds

/// The simulated paraphrase world and what it allows: it has a gold judge, so besides LLMs it takes the
/// world's own teacher, the statistical mock critic and the gold evaluator.
public struct ParaphraseEnvironment: Sendable, Equatable {
    public enum Teacher: Sendable, Equatable {
        /// The world's teacher, sampling the world's candidates.
        case world(WorldTeacher.Configuration)
        case llm(LLMTeacherSpec)
    }

    public enum Critic: Sendable, Equatable {
        case mock(MockCritic.Configuration)
        case llm(LLMSpec)
    }

    /// Who judges for reports: the gold judge, the training critic itself (a fresh stream), or a separately
    /// configured critic ("trained on critic A, judged by B").
    public enum Evaluator: Sendable, Equatable {
        case gold
        case critic
        case separate(Critic)
    }

    public var world = ParaphraseWorld.Configuration()
    public var teacher = Teacher.world(WorldTeacher.Configuration())
    /// N, the teacher's outputs per prompt.
    public var teacherOutputs = 3
    public var critic = Critic.mock(MockCritic.Configuration())
    public var evaluator = Evaluator.gold

    public init() {}

    /// The `world:` section `w` (its kind read) and the file's `teacher:`, `critic:` and `evaluator:` sections.
    init(world w: YAMLSection, file root: YAMLSection) throws {
        world = try ParaphraseWorld.Configuration(from: w)

        let t = try root.subsection("teacher")
        let teacherKind = try t.string("kind", default: "world", allowed: ["world", "corpus", "llm"])
        teacherOutputs = try EnvironmentSpec.teacherOutputs(t, default: teacherOutputs)
        switch teacherKind {
        case "world": teacher = .world(try WorldTeacher.Configuration(from: t))
        case "corpus": throw t.problem("kind", "a corpus teacher needs the jokes world (world.kind: jokes)")
        default: teacher = .llm(try EnvironmentSpec.llmTeacher(t, template: LLMTeacher.paraphraseTemplate))
        }

        let c = try root.subsection("critic")
        critic = try Self.critic(c, kind: try c.string("kind", default: "mock", allowed: ["mock", "llm"]))

        let e = try root.subsection("evaluator")
        switch try e.string("kind", default: "gold", allowed: ["gold", "critic", "mock", "llm"]) {
        case "gold": evaluator = .gold; try e.finish()
        case "critic": evaluator = .critic; try e.finish()
        // A separately configured mock has a taste of its own unless the file says otherwise.
        case let kind:
            var taste = MockCritic.Configuration()
            taste.tasteSeed = 2
            evaluator = .separate(try Self.critic(e, kind: kind, mockDefaults: taste))
        }
    }

    /// A `critic:` or `evaluator:` section of kind `mock` or `llm`, read to its end.
    private static func critic(_ s: YAMLSection, kind: String, mockDefaults: MockCritic.Configuration = MockCritic.Configuration()) throws -> Critic {
        kind == "llm" ? .llm(try EnvironmentSpec.llmCritic(s)) : .mock(try MockCritic.Configuration(from: s, defaults: mockDefaults))
    }
}
