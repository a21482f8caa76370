import HumorGym

/// The paraphrase world's "human": scores any token sequence for humor, consistency and fluency.
///
/// - humor = clamp(0.7 funny(topic, noun, situation) + exaggeration(k) + each intensifier's own strength
///   + opener + tag + punchline
///   - 0.15 per extra twist - 0.15 per repeated content word, 0, 1), from the last twist in the text.
/// - consistency = clamp(w_c [concept kept] + w_q [qualifier kept] + w_m [modifier kept] - 0.4 per other
///   concept - 0.25 per other qualifier - 0.25 per other modifier, 0, 1); a synonym keeps the meaning;
///   w_q = 0.35 when the prompt has a qualifier, else 0, w_m = 0.25 when it has a modifier, else 0, and
///   w_c = 1 - w_q - w_m.
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
        var conceptKept = false, qualifierKept = false, modifierKept = false
        var otherConcepts = 0, otherQualifiers = 0, otherModifiers = 0
        var intensifierCount = 0, bonus = 0.0
        var twistCount = 0, twistFunny = 0.0, twistEnd = -1, lastTagStart = -1
        var repeats = 0
        lexicon.roles.withUnsafeBufferPointer { roles in
            for i in 0..<n {
                let t = Int(x[i])
                guard t >= 0 && t < roles.count else { continue }
                let role = roles[t]
                if role.isContent {
                    for j in 0..<i where x[j] == x[i] { repeats += 1; break }
                }
                if role.concept >= 0 { if Int(role.concept) == m.concept { conceptKept = true } else { otherConcepts += 1 } }
                if role.qualifier >= 0 { if Int(role.qualifier) == m.qualifier { qualifierKept = true } else { otherQualifiers += 1 } }
                if role.modifier >= 0 { if Int(role.modifier) == m.modifier { modifierKept = true } else { otherModifiers += 1 } }
                if role.intensifier >= 0 { intensifierCount += 1; bonus += humor.intensifierStrength[Int(role.intensifier)] }
                if role.twistNoun >= 0 {
                    twistCount += 1
                    var situation: Int?
                    for (s, phrase) in lexicon.situations.enumerated() where x.matches(phrase, at: i + 1) { situation = s; break }
                    twistFunny = humor.funny(topic: m.topic, noun: Int(role.twistNoun), situation: situation)
                    twistEnd = i + (situation.map { lexicon.situations[$0].count } ?? 0)
                }
                if role.opener >= 0 && i == 0 && x.matches(lexicon.openers[Int(role.opener)], at: 0) { bonus += humor.openerBonus[Int(role.opener)] }
                if role.tag >= 0 && x.matches(lexicon.tags[Int(role.tag)], at: i) { bonus += humor.tagBonus[Int(role.tag)]; lastTagStart = i }
            }
        }
        var h = HiddenHumor.exaggeration(intensifierCount) + bonus - 0.15 * Double(repeats)
        if twistCount > 0 {
            h += 0.7 * twistFunny - 0.15 * Double(twistCount - 1)
            // The twist is the punchline when nothing but the full stop follows it.
            if twistEnd >= n - 2 && lastTagStart < twistEnd { h += 0.08 }
        }
        // Without a modifier, w_m and its terms are exact zeros: the original world's scores to the bit.
        let wq = m.qualifier == nil ? 0 : 0.35, wm = m.modifier == nil ? 0 : 0.25
        let consistency = (conceptKept ? 1 - wq - wm : 0) + (qualifierKept ? wq : 0) + (modifierKept ? wm : 0)
            - 0.4 * Double(otherConcepts) - 0.25 * Double(otherQualifiers) - 0.25 * Double(otherModifiers)
        let fluency = bigrams.fluency(x)
        let humorScore = clamp01(h), consistencyScore = clamp01(consistency)
        return GoldScore(humor: humorScore, consistency: consistencyScore, fluency: fluency,
                         total: weights.humor * humorScore + weights.consistency * consistencyScore + weights.fluency * fluency)
    }
}

@inline(__always) func clamp01(_ x: Double) -> Double { min(1, max(0, x)) }
