import HumorGym

/// The paraphrase world's "human": scores any token sequence for humor, consistency and fluency.
///
/// - humor = clamp(0.7 funny(topic, noun, situation) + exaggeration + opener + tag + punchline
///   - 0.15 per extra twist - 0.15 per repeated content word, 0, 1), from the last twist in the text.
/// - consistency = clamp(w_c [concept kept] + w_q [qualifier kept] - 0.4 per other concept
///   - 0.25 per other qualifier, 0, 1); a synonym keeps the meaning; w_q = 0.35 when the prompt has a
///   qualifier, else 0, and w_c = 1 - w_q.
/// - fluency = (share of bigrams, with sentence start and end, that the world's grammar produces)
///   * exp(-max(0, length - 18) / 8): long outputs lose fluency.
/// - total = w_h humor + w_c consistency + w_f fluency (weights from the world's configuration).
public struct ParaphraseGoldJudge: GoldJudge {
    let lexicon: CompiledLexicon
    let humor: HiddenHumor
    let meanings: [PromptMeaning]
    let bigrams: BigramSet
    let weights: (humor: Double, consistency: Double, fluency: Double)

    public func judge(_ response: Text, for prompt: Prompt) -> GoldScore {
        let m = meanings[prompt.id]
        let x = response.tokens
        let n = x.count
        var conceptKept = false, qualifierKept = false
        var otherConcepts = 0, otherQualifiers = 0
        var intensifierCount = 0, bonus = 0.0
        var twistCount = 0, twistFunny = 0.0, twistEnd = -1, lastTagStart = -1
        var repeats = 0
        for i in 0..<n {
            let t = Int(x[i])
            guard t >= 0 && t < lexicon.conceptOf.count else { continue }
            if lexicon.isContent[t] {
                for j in 0..<i where x[j] == x[i] { repeats += 1; break }
            }
            let c = Int(lexicon.conceptOf[t])
            if c >= 0 { if c == m.concept { conceptKept = true } else { otherConcepts += 1 } }
            let q = Int(lexicon.qualifierOf[t])
            if q >= 0 { if q == m.qualifier { qualifierKept = true } else { otherQualifiers += 1 } }
            let k = Int(lexicon.intensifierOf[t])
            if k >= 0 { intensifierCount += 1; bonus += humor.intensifierStrength[k] }
            let noun = Int(lexicon.twistNounOf[t])
            if noun >= 0 {
                twistCount += 1
                let s = lexicon.situations.firstIndex { x.matches($0, at: i + 1) }
                twistFunny = humor.funny(topic: m.topic, noun: noun, situation: s)
                twistEnd = i + (s.map { lexicon.situations[$0].count } ?? 0)
            }
            let o = Int(lexicon.openerOf[t])
            if o >= 0 && i == 0 && x.matches(lexicon.openers[o], at: 0) { bonus += humor.openerBonus[o] }
            let g = Int(lexicon.tagOf[t])
            if g >= 0 && x.matches(lexicon.tags[g], at: i) { bonus += humor.tagBonus[g]; lastTagStart = i }
        }
        var h = HiddenHumor.exaggeration(intensifierCount) + bonus - 0.15 * Double(repeats)
        if twistCount > 0 {
            h += 0.7 * twistFunny - 0.15 * Double(twistCount - 1)
            // The twist is the punchline when nothing but the full stop follows it.
            if twistEnd >= n - 2 && lastTagStart < twistEnd { h += 0.08 }
        }
        let wq = m.qualifier == nil ? 0 : 0.35
        let consistency = (conceptKept ? 1 - wq : 0) + (qualifierKept ? wq : 0)
            - 0.4 * Double(otherConcepts) - 0.25 * Double(otherQualifiers)
        let fluency = bigrams.fluency(x)
        let humorScore = clamp01(h), consistencyScore = clamp01(consistency)
        return GoldScore(humor: humorScore, consistency: consistencyScore, fluency: fluency,
                         total: weights.humor * humorScore + weights.consistency * consistencyScore + weights.fluency * fluency)
    }
}

@inline(__always) func clamp01(_ x: Double) -> Double { min(1, max(0, x)) }
