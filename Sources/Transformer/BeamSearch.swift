import Foundation
import HumorGym
import LinearAlgebra
import Stochastics

extension TransformerPolicy {
    /// Beam search over responses for prompts of one length in model tokens, searched together: each step
    /// decodes the live beams of every prompt still searching in one batched pass. A finished hypothesis (one
    /// that chose `<eos>`, or reached the length limit) scores its log-probability divided by its length in
    /// scored tokens (`<eos>` included), as Hugging Face's length_penalty = 1 does. Each step keeps a prompt's
    /// `beams` best continuations of its live beams; a prompt's search stops when none of its live beams can
    /// still beat its best finished hypothesis, or at the limit.
    func beamSearch(_ prompts: [Prompt], beams width: Int) -> [Text] {
        let starts = prompts.map { tokenizer.start($0.text) }
        let promptLength = starts.first?.count ?? 0
        precondition(starts.allSatisfy { $0.count == promptLength }, "beamSearch: prompts of one length only")
        let limit = min(sampling.maxResponseTokens, model.configuration.contextLength - promptLength)
        guard limit > 0, !prompts.isEmpty else { return Array(repeating: tokenizer.text([]), count: prompts.count) }
        // The tokens are in the vocabulary and the lengths within the context: the model cannot fail here.
        var (cache, logits) = try! model.prefill(tokens: Array(starts.joined()), batch: prompts.count, length: promptLength, threads: threads)
        var searches = [Search](repeating: Search(), count: prompts.count)
        /// The prompts still searching, in batch order; each owns as many consecutive rows as it has live beams.
        var searching = Array(prompts.indices)
        for step in 0..<limit {
            let firstRows = searching.reduce(into: [0]) { $0.append($0.last! + searches[$1].live.count) }
            // The prompts' steps are independent: they run on up to `threads` threads.
            let (before, logitsNow, searchingNow) = (searches, logits, searching)
            let stepped = Parallel.map(searching.count, threads: threads) { n in
                var search = before[searchingNow[n]]
                let continued = search.step(logits: logitsNow, firstRow: firstRows[n], policy: self, step: step, limit: limit, width: width)
                return (search, continued)
            }
            var rows: [Int] = [], tokens: [Int32] = []
            searching = []
            for (n, (search, continued)) in stepped.enumerated() {
                searches[searchingNow[n]] = search
                guard !continued.isEmpty else { continue }
                searching.append(searchingNow[n])
                rows += continued.map { firstRows[n] + $0.beam }
                tokens += continued.map(\.token)
            }
            if searching.isEmpty { break }
            cache.select(rows)
            logits = try! model.decode(tokens, cache: &cache, threads: threads)
        }
        return searches.map { tokenizer.text($0.best?.tokens ?? []) }
    }

    /// One prompt's search: its live hypotheses (all as long as the step) and its best finished one.
    private struct Search: Sendable {
        struct Hypothesis { var tokens: [Int32]; var logProbability: Double }
        struct Candidate {
            var beam: Int, token: Int32, logProbability: Double
            /// Best first; ties broken by beam, then token, so the search is deterministic.
            func precedes(_ other: Candidate) -> Bool {
                (logProbability, -beam, -Int(token)) > (other.logProbability, -other.beam, -Int(other.token))
            }
        }

        var live = [Hypothesis(tokens: [], logProbability: 0)]
        var best: (tokens: [Int32], score: Double)?

        /// Extends the live beams, whose logits are rows `firstRow...` of `logits`, and returns the
        /// continuations to decode next (the beam each extends and its token), none once the search is over.
        /// Only the `width` best continuations and the best finisher matter: every hypothesis of a step is as long,
        /// so scores order as log-probabilities do, and no lower finisher could beat the best one.
        mutating func step(logits: [Float], firstRow: Int, policy: TransformerPolicy, step: Int, limit: Int, width: Int) -> [Candidate] {
            let tokenizer = policy.tokenizer
            var top: [Candidate] = [], finisher: Candidate?
            for (b, beam) in live.enumerated() {
                let z = policy.choosable(logits, row: firstRow + b)
                let lse = Softmax.logSumExp(z)
                for j in z.indices where z[j] > -.infinity {
                    let c = Candidate(beam: b, token: Int32(j), logProbability: beam.logProbability + z[j] - lse)
                    if c.token == tokenizer.endOfText || step == limit - 1 {
                        if finisher.map({ c.precedes($0) }) ?? true { finisher = c }
                    } else if top.count < width || c.precedes(top[top.count - 1]) {
                        top.insert(c, at: top.firstIndex { c.precedes($0) } ?? top.count)
                        if top.count > width { top.removeLast() }
                    }
                }
            }
            if let c = finisher {
                let sofar = live[c.beam].tokens
                let score = c.logProbability / Double(sofar.count + 1)
                if best.map({ score > $0.score }) ?? true { best = (c.token == tokenizer.endOfText ? sofar : sofar + [c.token], score) }
            }
            // Log-probabilities only fall, so a live beam's best possible score is its current sum over the
            // longest scored length it could reach (limit); stop when none can beat the best finished hypothesis.
            if let best, top.allSatisfy({ $0.logProbability / Double(limit) <= best.score }) { return [] }
            if step == limit - 1 { return [] }
            live = top.map { Hypothesis(tokens: live[$0.beam].tokens + [$0.token], logProbability: $0.logProbability) }
            return top
        }
    }
}
