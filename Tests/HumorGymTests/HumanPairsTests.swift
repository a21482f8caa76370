import Critics
import Foundation
import HumorGym
import Stochastics
import Testing

@Suite struct HumanPairsTests {
    @Test func theFormatReadsEveryKindOfVerdict() throws {
        let pairs = try HumanPair.parse("""
            {"prompt": "p", "first": "a", "second": "b", "preferred": 2}

            {"first": "a", "second": "b", "preferred": "tie"}
            {"first": "a", "second": "b", "preferred": 0.75}
            {"first": "a", "second": "b", "preferred": 1}
            """, file: "f.jsonl")
        #expect(pairs.map(\.preferenceForFirst) == [0, 0.5, 0.75, 1])
        #expect(pairs[0].prompt == "p" && pairs[1].prompt == nil)
        // The example the project ships reads.
        let example = try HumanPair.read(projectRoot.appendingPathComponent("data/human-pairs/example.jsonl").path)
        #expect(example.count == 12)
    }

    @Test(arguments: [
        ("{\"first\": \"a\", \"second\": \"b\", \"preferred\": 1}\nnot json", "f.jsonl:2: not a JSON object"),
        ("{\"first\": \"a\", \"preferred\": 1}", "f.jsonl:1: 'second' must be a non-empty string"),
        ("{\"first\": \"\", \"second\": \"b\", \"preferred\": 1}", "f.jsonl:1: 'first' must be a non-empty string"),
        ("{\"first\": \"a\", \"second\": \"b\"}", "f.jsonl:1: 'preferred' is missing"),
        ("\n\n{\"first\": \"a\", \"second\": \"b\", \"preferred\": \"maybe\"}", "f.jsonl:3: 'preferred' must be 1, 2, \"tie\""),
        ("{\"first\": \"a\", \"second\": \"b\", \"preferred\": true}", "f.jsonl:1: 'preferred' must be 1, 2, \"tie\""),
        ("{\"first\": \"a\", \"second\": \"b\", \"preferred\": 3}", "f.jsonl:1: 'preferred' must be 1, 2, \"tie\" or a probability in [0, 1]; got 3.0"),
        ("{\"first\": \"a\", \"second\": \"b\", \"preferred\": -0.1}", "f.jsonl:1: 'preferred' must be 1, 2"),
        ("{\"first\": 5, \"second\": \"b\", \"preferred\": 1}", "f.jsonl:1: not a JSON object of strings"),
        ("\n  \n", "f.jsonl: no pairs"),
    ])
    func aBadLineIsAnErrorWithItsNumber(text: String, message: String) {
        do {
            _ = try HumanPair.parse(text, file: "f.jsonl")
            Issue.record("no error for \(text)")
        } catch let error as HumorGymError {
            #expect(error.message.hasPrefix(message), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// A critic of length alone against five judgements, counted by hand.
    @Test func diagnosticsAgainstPeopleByHand() async throws {
        let vocabulary = Fixtures.small.vocabulary
        let human: [(String, String, Double)] = [
            ("a b c", "a b c d e", 0),    // people: the longer; the critic too
            ("a b c d", "a b", 0),        // people: the shorter; the critic the longer (length bias)
            ("a b", "a b c", 0.5),        // people tie: not counted in agreement
            ("a b c", "x y z", 1),        // equal lengths: the critic ties
            ("a b c d e f", "a", 0.8),    // people: the first, the longer; the critic too
        ]
        let pairs = human.enumerated().map { i, p in
            PairRequest(prompt: Prompt(id: i, split: .test, text: vocabulary.encode("")), first: vocabulary.encode(p.0), second: vocabulary.encode(p.1))
        }
        let d = try await CriticDiagnostics.measure(critic: ScriptedCritic.prefersLonger, pairs: pairs, reference: .humans(human.map(\.2)))
        #expect(d.agreement == .init(count: 2, denominator: 3))
        #expect(d.positionFlips == .init(count: 0, denominator: 4))  // the longer wins in either slot
        #expect(d.lengthBias == .init(count: 1, denominator: 3))
        #expect(d.ties == .init(count: 1, denominator: 5) && d.abstentions == .init(count: 0, denominator: 10))
        #expect(d.humorAgreement.denominator == 0 && d.consistencyAgreement.denominator == 0)  // people gave no parts
        // Baselines on the four pairs people decided: the first wins twice; the longer twice of the three of unequal length.
        #expect(d.baselines.alwaysFirst == .init(count: 2, denominator: 4))
        #expect(d.baselines.alwaysLonger == .init(count: 2, denominator: 3))
        #expect(d.baselines.coin.denominator == 4)
        // 2 of 3, Wilson at 95%: centre 0.5731, half-width 0.3654.
        let interval = try #require(d.agreement.interval)
        #expect(abs(interval.lower - 20.77) < 0.01 && abs(interval.upper - 93.85) < 0.01, "\(interval)")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(d)) as! [String: Any]
        #expect(((json["agreement"] as! [String: Any])["ci95"] as! [Double]).count == 2)
    }
}
