import HumorGym
import Stochastics

/// The setup -> punchline world on human jokes (a ``JokeCorpus``): the prompts are setups, split by a seeded
/// hash of the setup (OOD: the jokes of `oodTypes`), and each setup's human punchlines are its references,
/// what the corpus teacher (`Teachers`) writes. There is no gold judge: people wrote these jokes, and only an LLM
/// critic or evaluator judges here.
public struct JokeWorld: World {
    public struct Configuration: Sendable, Equatable {
        /// A JSON file in the Official Joke API's format.
        public var path = "data/official-joke-api/jokes.json"
        /// Seeds the split and the candidate sets (not a run seed).
        public var seed: UInt64 = 2024
        /// The share of in-distribution setups held out for test.
        public var testFraction = 0.2
        public var oodTypes = ["programming"]
        /// The first this many setups of each split, in file order (nil: all), for quick experiments.
        public var trainPrompts: Int?
        public var testPrompts: Int?
        public var oodPrompts: Int?
        /// What candidate-set students choose among: the setup's own punchlines and other punchlines of the
        /// same split (of all its setups, not only the capped ones).
        public var candidatesPerPrompt = 16

        public init() {}

        /// The `world:` section of an environment file; `path` is relative to the file.
        public init(from source: some ParameterSource) throws {
            path = try source.path("path", default: path)
            seed = try source.seed("seed", default: seed)
            testFraction = try source.double("testFraction", default: testFraction, range: 0...1)
            oodTypes = try source.strings("oodTypes", default: oodTypes)
            // 0: every setup of the split.
            func cap(_ key: String) throws -> Int? { let n = try source.int(key, default: 0, range: 0...1_000_000); return n == 0 ? nil : n }
            trainPrompts = try cap("trainPrompts")
            testPrompts = try cap("testPrompts")
            oodPrompts = try cap("oodPrompts")
            candidatesPerPrompt = try source.int("candidatesPerPrompt", default: candidatesPerPrompt, range: 1...256)
            try source.finish()
        }
    }

    public let name = "jokes"
    /// The student's request, in the teacher's words for one punchline.
    public let task = "Here is the setup of a joke. Write a funny punchline for it. Answer with the punchline and nothing else.\n\nSetup: {prompt}"
    public let configuration: Configuration
    public let vocabulary: Vocabulary
    public let candidates: CandidateSets
    private let splits: [Split: [Prompt]]
    /// The human punchlines of each prompt, by prompt id.
    private let punchlines: [[Text]]

    public init(_ configuration: Configuration = Configuration()) throws {
        let corpus = try JokeCorpus(contentsOf: configuration.path)
        let jokeSplits = corpus.split(seed: configuration.seed, testFraction: configuration.testFraction,
                                      oodTypes: Set(configuration.oodTypes))
        // One prompt per distinct setup, in first-seen order; a setup's split is its first joke's (the hash
        // makes them agree unless one copy is OOD by type).
        var setups: [(setup: String, split: Split)] = [], human: [String: [String]] = [:]
        for (joke, split) in zip(corpus.jokes, jokeSplits) {
            if human[joke.setup] == nil { setups.append((joke.setup, split)) }
            if !(human[joke.setup]?.contains(joke.punchline) ?? false) { human[joke.setup, default: []].append(joke.punchline) }
        }
        func cap(_ split: Split) -> Int? {
            switch split {
            case .train: configuration.trainPrompts
            case .test: configuration.testPrompts
            case .ood: configuration.oodPrompts
            }
        }
        let chosen = try Split.allCases.flatMap { split in
            let all = setups.filter { $0.split == split }.map(\.setup)
            guard !all.isEmpty else {
                throw HumorGymError("\(configuration.path): no joke falls in the \(split.rawValue) split (test fraction \(configuration.testFraction), OOD types \(configuration.oodTypes.joined(separator: ", ")))")
            }
            return all.prefix(cap(split) ?? all.count).map { (setup: $0, split: split) }
        }
        // Each split's distinct punchlines (as words: "Dam." and "dam." are one; the first spelling is kept),
        // all its setups', in file order.
        var splitPunchlines: [Split: [String]] = [:], seen: Set<[String]> = []
        for (setup, split) in setups {
            for punchline in human[setup]! where seen.insert(Vocabulary.words(in: punchline)).inserted {
                splitPunchlines[split, default: []].append(punchline)
            }
        }
        let own = chosen.map { human[$0.setup]! }
        let words = splitPunchlines.mapValues { $0.map(Vocabulary.words(in:)) }
        let sets = zip(chosen, own).map { joke, own in
            // Distractors: the split's other punchlines, drawn by a stream of (world seed, setup).
            let ownWords = own.map(Vocabulary.words(in:))
            let all = splitPunchlines[joke.split]!, allWords = words[joke.split]!
            let pool = all.indices.filter { !ownWords.contains(allWords[$0]) }.map { all[$0] }
            let stream = SeedSequence(root: configuration.seed).stream("candidates/" + joke.setup)
            let set = own + stream.permutation(pool.count).prefix(max(0, configuration.candidatesPerPrompt - own.count)).map { pool[$0] }
            return stream.permutation(set.count).map { set[$0] }  // the human punchline's place tells nothing
        }
        let vocabulary = Vocabulary(zip(chosen, sets).flatMap { Vocabulary.words(in: $0.setup) + $1.flatMap(Vocabulary.words(in:)) })
        // Setups and punchlines as the corpus writes them, which is what an LLM reads.
        let prompts = chosen.enumerated().map { Prompt(id: $0.offset, split: $0.element.split, text: vocabulary.encode($0.element.setup)) }
        self.configuration = configuration
        self.vocabulary = vocabulary
        self.splits = Dictionary(grouping: prompts, by: \.split)
        self.punchlines = own.map { $0.map(vocabulary.encode) }
        self.candidates = CandidateSets(sets.map { $0.map(vocabulary.encode) })
    }

    public func prompts(_ split: Split) -> [Prompt] { splits[split] ?? [] }

    /// The human punchlines of `prompt`'s setup (usually one).
    public func punchlines(for prompt: Prompt) -> [Text] { punchlines[prompt.id] }
}
