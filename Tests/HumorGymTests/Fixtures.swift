import Critics
import HumorGym
import Worlds

/// Worlds shared by the tests: built once per process.
enum Fixtures {
    static let small: ParaphraseWorld = {
        var c = ParaphraseWorld.Configuration()
        c.trainPrompts = 30
        c.testPrompts = 10
        c.oodPrompts = 10
        c.candidatesPerPrompt = 12
        return try! ParaphraseWorld(c)
    }()

    static let `default` = try! ParaphraseWorld()

    static func word(_ world: some World, _ w: String) -> Int32 { world.vocabulary.id(w)! }

    static func text(_ world: some World, _ s: String) -> Text { world.vocabulary.encode(s) }
}
