import Critics
import Foundation
import HumorGym
import LLM
import Worlds

/// Which world: the simulated paraphrase world (with its gold judge), or setup -> punchline on human jokes.
public enum WorldSpec: Sendable, Equatable {
    case paraphrase(ParaphraseWorld.Configuration)
    case jokes(JokeWorld.Configuration)

    /// Whether the world has a gold judge (only the simulated one does).
    public var isSimulated: Bool { if case .paraphrase = self { true } else { false } }
}

/// Who writes the reference outputs: the simulated world's teacher, the corpus's human punchlines, or an LLM.
public enum TeacherSpec: Sendable, Equatable {
    case world(WorldTeacher.Configuration)
    case corpus
    case llm(LLMSpec, temperature: Double, template: String)
}

/// A critic: the statistical mock (it needs a gold judge) or an LLM.
public enum CriticSpec: Sendable, Equatable {
    case mock(MockCritic.Configuration)
    case llm(LLMSpec)
}

/// Who judges for reports: the gold judge (default), the training critic itself (a fresh stream), or a
/// separately configured critic ("trained on critic A, judged by B").
public enum EvaluatorSpec: Sendable, Equatable {
    case gold
    case critic
    case separate(CriticSpec)
}

/// An environment file (`environments/NAME.yaml`): the world, its teacher, the training critic, the
/// evaluator and how evaluation samples. Every field has a default; the embedded default is `init()`.
/// Swapping the mock critic for an LLM is one line: `critic: {kind: llm, llm: local}`.
public struct EnvironmentSpec: Sendable, Equatable {
    public var name = "paraphrase"
    public var world = WorldSpec.paraphrase(.init())
    public var teacher = TeacherSpec.world(.init())
    /// N, the teacher's outputs per prompt.
    public var teacherOutputs = 3
    public var critic = CriticSpec.mock(.init())
    public var evaluator = EvaluatorSpec.gold
    /// How the student answers evaluation prompts.
    public enum Decoding: String, Sendable, CaseIterable {
        /// Its samples: the student's expected WTR as a distribution.
        case sample
        /// Its most likely response (the paper decodes with beam search).
        case greedy
    }

    public var decoding = Decoding.sample
    /// Student samples per evaluation prompt (for KL, and for WTR when not greedy).
    public var evaluationSamples = 8

    public init() {}

    /// Parses a file. `world.path` is relative to the file; `llm: NAME` (or a path) is an LLM spec found as
    /// `SpecResolver.llm` finds one, from the working directory, or the LLM's keys written out as a mapping.
    public init(yaml: String, file: String) throws {
        let root = try YAMLSection(yaml: yaml, file: file)
        name = try root.string("name", default: name, allowed: [])

        let w = try root.section("world")
        switch try w.string("kind", default: "paraphrase", allowed: ["paraphrase", "jokes"]) {
        case "paraphrase":
            var c = ParaphraseWorld.Configuration()
            c.seed = UInt64(try w.int("seed", default: Int(c.seed), range: 0...Int.max))
            c.trainPrompts = try w.int("trainPrompts", default: c.trainPrompts, range: 1...1_000_000)
            c.testPrompts = try w.int("testPrompts", default: c.testPrompts, range: 1...1_000_000)
            c.oodPrompts = try w.int("oodPrompts", default: c.oodPrompts, range: 1...1_000_000)
            c.candidatesPerPrompt = try w.int("candidatesPerPrompt", default: c.candidatesPerPrompt, range: 2...256)
            c.humorWeight = try w.double("humorWeight", default: c.humorWeight, range: 0...1)
            c.consistencyWeight = try w.double("consistencyWeight", default: c.consistencyWeight, range: 0...1)
            c.fluencyWeight = try w.double("fluencyWeight", default: c.fluencyWeight, range: 0...1)
            world = .paraphrase(c)
        default:
            var c = JokeWorld.Configuration()
            // A path the file gives is relative to the file; without one, the project's copy (from the working directory).
            let path = try w.string("path", default: "", allowed: [])
            if !path.isEmpty {
                c.path = path.hasPrefix("/") ? path : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
            }
            c.seed = UInt64(try w.int("seed", default: Int(c.seed), range: 0...Int.max))
            c.testFraction = try w.double("testFraction", default: c.testFraction, range: 0...1)
            c.oodTypes = try w.strings("oodTypes", default: c.oodTypes)
            // 0: every setup of the split.
            func cap(_ key: String) throws -> Int? { let n = try w.int(key, default: 0, range: 0...1_000_000); return n == 0 ? nil : n }
            c.trainPrompts = try cap("trainPrompts")
            c.testPrompts = try cap("testPrompts")
            c.oodPrompts = try cap("oodPrompts")
            c.candidatesPerPrompt = try w.int("candidatesPerPrompt", default: c.candidatesPerPrompt, range: 1...256)
            world = .jokes(c)
        }
        try w.finish()

        let t = try root.section("teacher")
        let teacherKind = try t.string("kind", default: world.isSimulated ? "world" : "corpus", allowed: ["world", "corpus", "llm"])
        teacherOutputs = try t.int("outputsPerPrompt", default: world.isSimulated ? teacherOutputs : 1, range: 1...100)
        switch teacherKind {
        case "world":
            guard world.isSimulated else { throw t.problem("kind", "a world teacher needs the paraphrase world; the jokes world has a corpus or an LLM teacher") }
            var c = WorldTeacher.Configuration()
            c.temperature = try t.double("temperature", default: c.temperature, range: 1e-3...100)
            c.sharpness = try t.double("sharpness", default: c.sharpness, range: 0...1e4)
            c.lengthTaste = try t.double("lengthTaste", default: c.lengthTaste, range: -1...1)
            c.quirkSigma = try t.double("quirkSigma", default: c.quirkSigma, range: 0...10)
            teacher = .world(c)
        case "corpus":
            guard !world.isSimulated else { throw t.problem("kind", "a corpus teacher needs the jokes world (world.kind: jokes)") }
            teacher = .corpus
        default:
            let defaultTemplate = world.isSimulated ? LLMTeacher.paraphraseTemplate : LLMTeacher.punchlineTemplate
            let template = try t.string("template", default: defaultTemplate, allowed: [])
            guard template.contains("{prompt}") else { throw t.problem("template", "a teacher template must contain {prompt} (and may contain {n})") }
            teacher = .llm(try Self.llm(t), temperature: try t.double("temperature", default: 0.8, range: 0...10), template: template)
        }
        try t.finish()

        let c = try root.section("critic")
        critic = try Self.critic(c, kind: try c.string("kind", default: "mock", allowed: ["mock", "llm"]), simulated: world.isSimulated)

        let e = try root.section("evaluator")
        switch try e.string("kind", default: world.isSimulated ? "gold" : "critic", allowed: ["gold", "critic", "mock", "llm"]) {
        case "gold":
            guard world.isSimulated else { throw e.problem("kind", "the jokes world has no gold judge; use kind: critic or llm") }
            evaluator = .gold; try e.finish()
        case "critic": evaluator = .critic; try e.finish()
        // A separately configured mock has a taste of its own unless the file says otherwise.
        case let kind: evaluator = .separate(try Self.critic(e, kind: kind, simulated: world.isSimulated, tasteSeed: 2))
        }

        let ev = try root.section("evaluation")
        decoding = Decoding(rawValue: try ev.string("decoding", default: decoding.rawValue, allowed: Decoding.allCases.map(\.rawValue)))!
        evaluationSamples = try ev.int("samplesPerPrompt", default: evaluationSamples, range: 1...10_000)
        try ev.finish()
        try root.finish()
    }

    /// A `critic:` or `evaluator:` section of kind `mock` or `llm`; reads the section to its end.
    static func critic(_ s: YAMLSection, kind: String, simulated: Bool, tasteSeed: UInt64 = MockCritic.Configuration().tasteSeed) throws -> CriticSpec {
        if kind == "llm" {
            let spec = try llm(s)
            try s.finish()
            return .llm(spec)
        }
        guard simulated else { throw s.problem("kind", "a mock critic needs the paraphrase world's gold judge; the jokes world has none: use kind: llm") }
        return .mock(try mockCritic(s, tasteSeed: tasteSeed))
    }

    /// The LLM of the section's `llm` key: a name or path of an LLM file, or its keys written out here.
    static func llm(_ s: YAMLSection) throws -> LLMSpec {
        if s.holdsMapping("llm") { return try LLMSpec(section: try s.section("llm")) }
        let name = try s.string("llm", default: "", allowed: [])
        guard !name.isEmpty else {
            throw s.problem("llm", "an LLM teacher, critic or evaluator names its server: llm: NAME (llms/NAME.yaml), a path, or {baseURL: ..., model: ...}")
        }
        do { return try SpecResolver.llm(name) } catch { throw s.problem("llm", "\(error)") }
    }

    /// The knobs of a mock critic, from a `critic:` or `evaluator:` section.
    static func mockCritic(_ s: YAMLSection, tasteSeed: UInt64 = MockCritic.Configuration().tasteSeed) throws -> MockCritic.Configuration {
        var m = MockCritic.Configuration()
        m.tasteSeed = tasteSeed
        let mode = try s.string("mode", default: m.mode.rawValue, allowed: MockCritic.Mode.allCases.map(\.rawValue))
        m.mode = MockCritic.Mode(rawValue: mode)!
        m.temperature = try s.double("temperature", default: m.temperature, range: 1e-6...1e6)
        m.tasteNoise = try s.double("tasteNoise", default: m.tasteNoise, range: 0...1e3)
        m.tasteSeed = UInt64(try s.int("tasteSeed", default: Int(m.tasteSeed), range: 0...Int.max))
        m.noise = try s.double("noise", default: m.noise, range: 0...1e3)
        m.positionBias = try s.double("positionBias", default: m.positionBias, range: -100...100)
        m.lengthBias = try s.double("lengthBias", default: m.lengthBias, range: -100...100)
        m.teacherPreference = try s.double("teacherPreference", default: m.teacherPreference, range: -1e3...1e3)
        m.tieMargin = try s.double("tieMargin", default: m.tieMargin, range: 0...0.5)
        try s.finish()
        return m
    }
}
