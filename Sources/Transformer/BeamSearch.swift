import Foundation
import HumorGym
import Stochastics

extension TransformerPolicy {
    /// Beam search over responses, scoring a finished hypothesis (one that chose `<eos>`, or reached the
    /// length limit) by its log-probability divided by its length in scored tokens (`<eos>` included), as
    /// Hugging Face's length_penalty = 1 does. Each step keeps the `beams` best continuations of the live
    /// beams; the search stops when no live beam can still beat the best finished one, or at the limit.
    func beamSearch(_ prompt: Prompt, beams width: Int) -> Text {
        let start = tokenizer.start(prompt.text)
        let limit = min(sampling.maxResponseTokens, model.configuration.contextLength - start.count)
        guard limit > 0 else { return tokenizer.text([]) }
        let V = model.configuration.vocabularySize
        struct Hypothesis { var tokens: [Int32]; var logProbability: Double }
        // The tokens are in the vocabulary and the lengths within the context: the model cannot fail here.
        var (cache, logits) = try! model.prefill(tokens: start, batch: 1, length: start.count)
        var live = [Hypothesis(tokens: [], logProbability: 0)]
        var best: (text: [Int32], score: Double)?
        for step in 0..<limit {
            var candidates: [(beam: Int, token: Int32, logProbability: Double)] = []
            for (b, beam) in live.enumerated() {
                var z = (0..<V).map { Double(logits[b * V + $0]) }
                z[Int(tokenizer.separator)] = -.infinity
                z[Int(tokenizer.padding)] = -.infinity
                let lse = Softmax.logSumExp(z)
                for j in 0..<V where z[j] > -.infinity {
                    candidates.append((b, Int32(j), beam.logProbability + z[j] - lse))
                }
            }
            // Best first; ties broken by beam, then token, so the search is deterministic.
            candidates.sort { ($0.logProbability, -$0.beam, -Int($0.token)) > ($1.logProbability, -$1.beam, -Int($1.token)) }
            var next: [Hypothesis] = [], rows: [Int] = [], tokens: [Int32] = []
            for c in candidates {
                let tokensSoFar = live[c.beam].tokens
                if c.token == tokenizer.endOfText || step == limit - 1 {
                    let text = c.token == tokenizer.endOfText ? tokensSoFar : tokensSoFar + [c.token]
                    let score = c.logProbability / Double(tokensSoFar.count + 1)
                    if best.map({ score > $0.score }) ?? true { best = (text, score) }
                } else if next.count < width {
                    next.append(Hypothesis(tokens: tokensSoFar + [c.token], logProbability: c.logProbability))
                    rows.append(c.beam)
                    tokens.append(c.token)
                }
            }
            // Log-probabilities only fall, so a live beam's best possible score is its current sum over the
            // longest scored length it could reach (limit); stop when none can beat the best finished hypothesis.
            if let best, next.allSatisfy({ $0.logProbability / Double(limit) <= best.score }) { break }
            if next.isEmpty || step == limit - 1 { break }
            cache.select(rows)
            live = next
            logits = try! model.decode(tokens, cache: &cache, threads: threads)
        }
        return tokenizer.text(best?.text ?? [])
    }
}
