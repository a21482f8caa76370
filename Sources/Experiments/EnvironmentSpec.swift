import Critics
import HumorGym
import Worlds

/// Who judges for reports: the gold judge (default), the training critic itself (a fresh stream), or a
/// separately configured mock critic ("trained on critic A, judged by B").
public enum EvaluatorSpec: Sendable, Equatable {
    case gold
    case critic
    case mock(MockCritic.Configuration)
}

/// An environment file (`environments/NAME.yaml`): the world, its teacher, the training critic, the
/// evaluator and how evaluation samples. Every field has a default; the embedded default is `init()`.
public struct EnvironmentSpec: Sendable, Equatable {
    public var name = "paraphrase"
    public var world = ParaphraseWorld.Configuration()
    public var teacher = WorldTeacher.Configuration()
    /// N, the teacher's outputs per prompt.
    public var teacherOutputs = 3
    public var critic = MockCritic.Configuration()
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

    public init(yaml: String, file: String) throws {
        let root = try YAMLSection(yaml: yaml, file: file)
        name = try root.string("name", default: name, allowed: [])

        let w = try root.section("world")
        _ = try w.string("kind", default: "paraphrase", allowed: ["paraphrase"])
        world.seed = UInt64(try w.int("seed", default: Int(world.seed), range: 0...Int.max))
        world.trainPrompts = try w.int("trainPrompts", default: world.trainPrompts, range: 1...1_000_000)
        world.testPrompts = try w.int("testPrompts", default: world.testPrompts, range: 1...1_000_000)
        world.oodPrompts = try w.int("oodPrompts", default: world.oodPrompts, range: 1...1_000_000)
        world.candidatesPerPrompt = try w.int("candidatesPerPrompt", default: world.candidatesPerPrompt, range: 2...256)
        world.humorWeight = try w.double("humorWeight", default: world.humorWeight, range: 0...1)
        world.consistencyWeight = try w.double("consistencyWeight", default: world.consistencyWeight, range: 0...1)
        world.fluencyWeight = try w.double("fluencyWeight", default: world.fluencyWeight, range: 0...1)
        try w.finish()

        let t = try root.section("teacher")
        _ = try t.string("kind", default: "world", allowed: ["world"])
        teacherOutputs = try t.int("outputsPerPrompt", default: teacherOutputs, range: 1...100)
        teacher.temperature = try t.double("temperature", default: teacher.temperature, range: 1e-3...100)
        teacher.sharpness = try t.double("sharpness", default: teacher.sharpness, range: 0...1e4)
        teacher.lengthTaste = try t.double("lengthTaste", default: teacher.lengthTaste, range: -1...1)
        teacher.quirkSigma = try t.double("quirkSigma", default: teacher.quirkSigma, range: 0...10)
        try t.finish()

        let c = try root.section("critic")
        _ = try c.string("kind", default: "mock", allowed: ["mock"])
        critic = try Self.mockCritic(c)

        let e = try root.section("evaluator")
        switch try e.string("kind", default: "gold", allowed: ["gold", "critic", "mock"]) {
        case "gold": evaluator = .gold; try e.finish()
        case "critic": evaluator = .critic; try e.finish()
        // A separately configured judge has a taste of its own unless the file says otherwise.
        default: evaluator = .mock(try Self.mockCritic(e, tasteSeed: 2))
        }

        let ev = try root.section("evaluation")
        decoding = Decoding(rawValue: try ev.string("decoding", default: decoding.rawValue, allowed: Decoding.allCases.map(\.rawValue)))!
        evaluationSamples = try ev.int("samplesPerPrompt", default: evaluationSamples, range: 1...10_000)
        try ev.finish()
        try root.finish()
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
