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
}

import Experiments

extension EnvironmentSpec {
    /// The paraphrase world's and the mock critic's knobs, for tests that change a few of them.
    var paraphrase: ParaphraseWorld.Configuration {
        get { if case .paraphrase(let c) = world { c } else { fatalError("not the paraphrase world") } }
        set { world = .paraphrase(newValue) }
    }

    var mock: MockCritic.Configuration {
        get { if case .mock(let c) = critic { c } else { fatalError("not a mock critic") } }
        set { critic = .mock(newValue) }
    }
}
