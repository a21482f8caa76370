import Foundation
import HumorGym
import LLM
import Teachers

/// An environment file (`environments/NAME.yaml`): a world with the teacher, training critic and evaluator
/// it allows, and how evaluation samples. Each world's spec holds only the kinds that world can use (a mock
/// critic and the gold evaluator need the simulated world's gold judge), so those combinations cannot be
/// written down (self-preference without the world's teacher is refused when the experiment is assembled);
/// the embedded default is `init()`. Swapping the mock critic for an LLM is one line:
/// `critic: {kind: llm, llm: local}`.
public struct EnvironmentSpec: Sendable, Equatable {
    public var name = "paraphrase"
    public var world = WorldSpec.paraphrase(ParaphraseEnvironment())
    public var evaluation = EvaluationSettings()

    public init() {}

    /// Parses a file. `world.path` is relative to the file; `llm: NAME` (or a path) is an LLM spec found as
    /// `SpecResolver.llm` finds one, from the working directory, or the LLM's keys written out as a mapping.
    public init(yaml: String, file: String) throws {
        let root = try YAMLSection(yaml: yaml, file: file)
        name = try root.string("name", default: name, allowed: [])
        let w = try root.subsection("world")
        switch try w.choice("kind", default: WorldSpec.Kind.paraphrase) {
        case .paraphrase: world = .paraphrase(try ParaphraseEnvironment(world: w, file: root))
        case .jokes: world = .jokes(try JokesEnvironment(world: w, file: root))
        }
        evaluation = try EvaluationSettings(from: root.section("evaluation"))
        try root.finish()
    }

    /// Teacher-output pairs the training critic is measured on when a study does not say: 300 for a mock
    /// critic, none for an LLM, whose every pair is two calls.
    public var defaultCriticPairs: Int { world.criticIsLLM ? 0 : 300 }

    /// N, the teacher's outputs per prompt.
    public var teacherOutputs: Int {
        switch world {
        case .paraphrase(let p): p.teacherOutputs
        case .jokes(let j): j.teacherOutputs
        }
    }

    /// The `outputsPerPrompt` of a `teacher:` section.
    static func teacherOutputs(_ t: YAMLSection, default value: Int) throws -> Int {
        try t.int("outputsPerPrompt", default: value, range: 1...100)
    }

    /// The LLM of the section's `llm` key: a name or path of an LLM file, or its keys written out here.
    static func llm(_ s: YAMLSection) throws -> LLMSpec {
        if s.holdsMapping("llm") { return try LLMSpec(section: try s.subsection("llm")) }
        let name = try s.string("llm", default: "", allowed: [])
        guard !name.isEmpty else {
            throw s.problem("llm", "an LLM teacher, critic or evaluator names its server: llm: NAME (llms/NAME.yaml), a path, or {baseURL: ..., model: ...}")
        }
        do { return try SpecResolver.llm(name) } catch { throw s.problem("llm", "\(error)") }
    }

    /// A `critic:` or `evaluator:` section of kind `llm`, read to its end.
    static func llmCritic(_ s: YAMLSection) throws -> LLMSpec {
        let spec = try llm(s)
        try s.finish()
        return spec
    }

    /// A `teacher:` section of kind `llm`, read to its end.
    static func llmTeacher(_ t: YAMLSection, template: String) throws -> LLMTeacherSpec {
        let spec = try llm(t)
        return LLMTeacherSpec(llm: spec, settings: try LLMTeacher.Settings(from: t, template: template))
    }
}

/// Which world, with what that world allows. Adding a world is a room in `Worlds` and a case here.
public enum WorldSpec: Sendable, Equatable {
    case paraphrase(ParaphraseEnvironment)
    case jokes(JokesEnvironment)

    /// Whether the training critic is an LLM: measuring it costs calls (a mock's judgements cost nothing).
    public var criticIsLLM: Bool {
        switch self {
        case .paraphrase(let p): if case .llm = p.critic { true } else { false }
        case .jokes: true
        }
    }

    /// Whether the teacher is an LLM, whose outputs another ask may change (a world or corpus teacher's are
    /// decided by the seed).
    public var teacherIsLLM: Bool {
        switch self {
        case .paraphrase(let p): if case .llm = p.teacher { true } else { false }
        case .jokes(let j): if case .llm = j.teacher { true } else { false }
        }
    }

    /// The `kind` of an environment file's `world:` section.
    public enum Kind: String, Sendable, CaseIterable {
        case paraphrase, jokes
    }
}

/// An LLM that writes the teacher's outputs, and how it is asked.
public struct LLMTeacherSpec: Sendable, Equatable {
    public var llm: LLMSpec
    public var settings: LLMTeacher.Settings

    public init(llm: LLMSpec, settings: LLMTeacher.Settings) {
        self.llm = llm
        self.settings = settings
    }
}
