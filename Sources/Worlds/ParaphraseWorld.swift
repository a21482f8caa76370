import HumorGym
import Stochastics

/// The default world: a literal first-person sentence -> a humorous paraphrase that keeps its meaning.
///
/// Prompts come from ``Lexicon`` and ``PromptShape``: train and test share topics and shapes but never the
/// same meaning (shape, concept, qualifier, modifier); OOD prompts use other topics and shapes. Each prompt
/// has a fixed candidate set drawn from the ``ResponseGrammar`` (the literal copy of the prompt first).
/// Everything is a function of the configuration, the world seed included.
///
/// The original world has 1,120 in-distribution meanings and 280 OOD ones; `modifiers` grows it to the
/// paper's data sizes (12,000 train inputs) by letting a prompt end with a time or place ("at dawn"), each
/// modifier adding as many meanings again.
public struct ParaphraseWorld: SimulatedWorld {
    public struct Configuration: Sendable, Equatable {
        /// Seeds the prompts, the candidates and the hidden humor: the world itself, not a run.
        public var seed: UInt64 = 2024
        public var trainPrompts = 500
        public var testPrompts = 400
        public var oodPrompts = 200
        /// Responses per prompt that candidate-set students choose among.
        public var candidatesPerPrompt = 32
        /// Weights of humor, consistency and fluency in the gold total.
        public var humorWeight = 0.5
        public var consistencyWeight = 0.3
        public var fluencyWeight = 0.2
        /// Time and place modifiers a prompt may end with, 0...12 (``Lexicon/modifiers``): 0 is the original
        /// world; m gives (m + 1) x 1,120 in-distribution and (m + 1) x 280 OOD meanings.
        public var modifiers = 0

        public init() {}

        /// The `world:` section of an environment file.
        public init(from source: some ParameterSource) throws {
            seed = try source.seed("seed", default: seed)
            trainPrompts = try source.int("trainPrompts", default: trainPrompts, range: 1...1_000_000)
            testPrompts = try source.int("testPrompts", default: testPrompts, range: 1...1_000_000)
            oodPrompts = try source.int("oodPrompts", default: oodPrompts, range: 1...1_000_000)
            candidatesPerPrompt = try source.int("candidatesPerPrompt", default: candidatesPerPrompt, range: 2...256)
            humorWeight = try source.double("humorWeight", default: humorWeight, range: 0...1)
            consistencyWeight = try source.double("consistencyWeight", default: consistencyWeight, range: 0...1)
            fluencyWeight = try source.double("fluencyWeight", default: fluencyWeight, range: 0...1)
            modifiers = try source.int("modifiers", default: modifiers, range: 0...Lexicon.modifiers.count)
            try source.finish()
        }
    }

    public let name = "paraphrase"
    /// The student's request, in the teacher's words for one paraphrase.
    public let task = "Write a creative, humorous paraphrase of the sentence below. It must keep exactly the same meaning as the sentence. Answer with the paraphrase and nothing else.\n\nSentence: {prompt}"
    public let configuration: Configuration
    public let vocabulary: Vocabulary
    public let candidates: CandidateSets
    public let goldJudge: any GoldJudge
    private let split: [Split: [Prompt]]

    public init(_ configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        let c = configuration
        // A configuration built in code skips the file's ranges; these are what the world cannot do without.
        guard c.trainPrompts >= 1, c.testPrompts >= 1, c.oodPrompts >= 1, c.candidatesPerPrompt >= 2 else {
            throw HumorGymError("paraphrase world: every split needs a prompt and every prompt two candidates; got train \(c.trainPrompts), test \(c.testPrompts), ood \(c.oodPrompts), candidates \(c.candidatesPerPrompt)")
        }
        guard (0...Lexicon.modifiers.count).contains(c.modifiers) else {
            throw HumorGymError("paraphrase world: modifiers must be in 0...\(Lexicon.modifiers.count); got \(c.modifiers)")
        }
        let lexicon = CompiledLexicon(modifierCount: c.modifiers)
        let grammar = ResponseGrammar(lexicon: lexicon)
        let seeds = SeedSequence(root: configuration.seed)

        // Every (shape, concept, qualifier, modifier) a shape allows, in distribution and out.
        func meanings(outOfDistribution: Bool) -> [PromptMeaning] {
            var out: [PromptMeaning] = []
            let modifiers: [Int?] = [nil] + lexicon.modifiers.indices.map { $0 }
            for (s, shape) in PromptShape.all.enumerated() where shape.isOutOfDistribution == outOfDistribution {
                for (c, concept) in lexicon.concepts.enumerated() where concept.kind == shape.kind
                    && (concept.topic < lexicon.inDistributionTopicCount) != outOfDistribution {
                    let qualifiers: [Int?] = shape.hasQualifier ? lexicon.qualifiers.indices.map { $0 } : [nil]
                    for q in qualifiers {
                        for m in modifiers { out.append(PromptMeaning(shape: s, topic: concept.topic, concept: c, qualifier: q, modifier: m)) }
                    }
                }
            }
            return out
        }
        let inDistribution = meanings(outOfDistribution: false)
        let outOfDistribution = meanings(outOfDistribution: true)
        guard c.trainPrompts + c.testPrompts <= inDistribution.count else {
            throw HumorGymError("paraphrase world: train (\(c.trainPrompts)) + test (\(c.testPrompts)) prompts exceed the \(inDistribution.count) in-distribution prompts the grammar makes")
        }
        guard c.oodPrompts <= outOfDistribution.count else {
            throw HumorGymError("paraphrase world: oodPrompts \(c.oodPrompts) exceeds the \(outOfDistribution.count) OOD prompts the grammar makes")
        }
        let order = seeds.stream("prompts").permutation(inDistribution.count)
        let oodOrder = seeds.stream("ood-prompts").permutation(outOfDistribution.count)
        let chosen: [(Split, PromptMeaning)] =
            order.prefix(c.trainPrompts).map { (.train, inDistribution[$0]) }
            + order.dropFirst(c.trainPrompts).prefix(c.testPrompts).map { (.test, inDistribution[$0]) }
            + oodOrder.prefix(c.oodPrompts).map { (.ood, outOfDistribution[$0]) }

        // The language the gold judge calls fluent: every prompt the grammar makes and its clean responses, from
        // every meaning, so that it does not depend on the split sizes. The original world samples 24 responses
        // per meaning in a fixed order (kept: its published figures rest on it); a world with modifiers, built
        // to grow, takes every bigram the grammar can produce, which misses none and costs no more than the
        // sample would.
        var bigrams = BigramSet(vocabularySize: lexicon.vocabulary.count)
        let grammarSamples = seeds.stream("grammar")
        for meaning in inDistribution + outOfDistribution {
            bigrams.insert(grammar.prompt(meaning))
            let restatement = grammar.restatement(meaning)
            if lexicon.modifiers.isEmpty {
                for _ in 0..<24 { bigrams.insert(grammar.response(restatement, stream: grammarSamples, corrupt: false)) }
            } else {
                grammar.insertEveryBigram(restatement, into: &bigrams)
            }
        }
        var prompts: [Prompt] = []
        var candidateLists: [[Text]] = []
        for (id, (split, meaning)) in chosen.enumerated() {
            let tokens = grammar.prompt(meaning)
            prompts.append(Prompt(id: id, split: split, text: lexicon.vocabulary.text(tokens)))
            let stream = seeds.child("candidates").stream(String(id))
            let restatement = grammar.restatement(meaning)
            var list = [lexicon.vocabulary.text(tokens)]
            var seen: Set<Text> = [list[0]]
            var attempts = 0
            while list.count < c.candidatesPerPrompt && attempts < 100 * c.candidatesPerPrompt {
                let candidate = lexicon.vocabulary.text(grammar.response(restatement, stream: stream, corrupt: true))
                if seen.insert(candidate).inserted { list.append(candidate) }
                attempts += 1
            }
            candidateLists.append(list)
        }
        vocabulary = lexicon.vocabulary
        candidates = CandidateSets(candidateLists)
        split = Dictionary(grouping: prompts, by: \.split)
        goldJudge = ParaphraseGoldJudge(
            lexicon: lexicon, humor: HiddenHumor(lexicon: lexicon, stream: seeds.stream("humor")),
            meanings: chosen.map(\.1), bigrams: bigrams,
            weights: (c.humorWeight, c.consistencyWeight, c.fluencyWeight))
    }

    public func prompts(_ split: Split) -> [Prompt] { self.split[split] ?? [] }
}
