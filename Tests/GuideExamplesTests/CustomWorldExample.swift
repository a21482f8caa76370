// docs/extending.md, "Adding a world": a world is prompts in splits and, for candidate-set students, each
// prompt's candidates. This one is three knock-knock prompts whose candidates are spelled out by hand.
import HumorGym
import HumorGymTesting
import Learners
import Policies
import Stochastics
import Testing

struct KnockKnockWorld: World {
    let name = "knock-knock"
    let vocabulary: Vocabulary
    let candidates: CandidateSets
    private let all: [Prompt]

    init() {
        let setups = ["knock knock lettuce", "knock knock boo", "knock knock cow says"]
        let punchlines = [["lettuce in it is cold", "lettuce", "lettuce lettuce lettuce"],
                          ["don't cry it is only a joke", "boo", "boo boo boo"],
                          ["no a cow says moo", "cow", "cow cow cow"]]
        let words = Vocabulary((setups + punchlines.flatMap { $0 }).flatMap(Vocabulary.words(in:)))
        all = setups.enumerated().map { Prompt(id: $0.offset, split: $0.offset < 2 ? .train : .test, text: words.encode($0.element)) }
        candidates = CandidateSets(punchlines.map { $0.map(words.encode) })
        vocabulary = words
    }

    func prompts(_ split: Split) -> [Prompt] { all.filter { $0.split == split } }
}

@Test func aNewWorldTrainsWithAnyStudentAndLearner() async throws {
    let world = KnockKnockWorld()
    let teacher = world.prompts(.train).map { [world.candidates[$0][0]] }  // the real punchline
    var student = TabularPolicy(candidates: world.candidates)
    let context = TrainingContext(prompts: world.prompts(.train), demonstrations: teacher, critic: ScriptedCritic.prefersLonger,
                                  optimizer: OptimizerSettings(learningRate: 0.5, batchSize: 2), seeds: SeedSequence(root: 1))
    var imitation = Imitation.Parameters()
    imitation.epochs = 50
    _ = try await Imitation(imitation).train(&student, context: context)
    for prompt in world.prompts(.train) {
        #expect(student.mostLikely(prompt) == world.candidates[prompt][0])
        #expect(student.probabilities(for: prompt)[0] > 0.9)
    }
    // The environment checker holds for the new world as for the built-in ones.
    try await checkEnvironment({ try HumorEnvironment(prompts: world.prompts(.train), critic: ScriptedCritic.prefersLonger) },
                               act: { world.candidates[$0][1] })
}
