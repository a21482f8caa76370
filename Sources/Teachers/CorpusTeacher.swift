import HumorGym
import Worlds

/// Human data as the teacher: a ``JokeWorld``'s own punchlines are the reference outputs, at most `count`
/// per setup (most setups have one, so N is usually 1 whatever is asked).
public struct CorpusTeacher: Teacher {
    public let name = "corpus"
    public let world: JokeWorld

    public init(world: JokeWorld) { self.world = world }

    public func demonstrations(for prompts: [Prompt], count: Int) async throws -> [[Text]] {
        prompts.map { Array(world.punchlines(for: $0).prefix(count)) }
    }
}
