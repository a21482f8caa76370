import Critics
import Foundation
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

    /// The project's copy of the Official Joke API's jokes (data/official-joke-api, MIT).
    static let jokesFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/official-joke-api/jokes.json").path

    static func word(_ world: some World, _ w: String) -> Int32 { world.vocabulary.id(w)! }

    static func text(_ world: some World, _ s: String) -> Text { world.vocabulary.encode(s) }

    /// A text of bare tokens, for tests that need no words (its string spells the ids).
    static func tokens(_ t: [Int32]) -> Text { Text(t.map(String.init).joined(separator: " "), tokens: t) }
}

import Experiments

extension EnvironmentSpec {
    /// The simulated world's environment, for tests that change a few of its knobs.
    var simulated: ParaphraseEnvironment {
        get { if case .paraphrase(let p) = world { p } else { fatalError("not the paraphrase world") } }
        set { world = .paraphrase(newValue) }
    }

    /// The paraphrase world's knobs.
    var paraphrase: ParaphraseWorld.Configuration {
        get { simulated.world }
        set { simulated.world = newValue }
    }

    /// The mock critic's knobs.
    var mock: MockCritic.Configuration {
        get { if case .mock(let c) = simulated.critic { c } else { fatalError("not a mock critic") } }
        set { simulated.critic = .mock(newValue) }
    }
}
