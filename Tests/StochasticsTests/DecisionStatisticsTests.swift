import Foundation
import Testing
@testable import Stochastics

@Suite struct PairedDifferenceTests {
    @Test func theIntervalIsTheStudentTIntervalOfThePerPairDifferences() {
        // Differences 1, 2, 3: mean 2, s = 1, t_{0.975, 2} = 4.302653: half-width 4.302653 / sqrt(3) = 2.484138.
        let paired = PairedDifference([11, 12, 13], [10, 10, 10])
        #expect(paired.difference.mean == 2)
        #expect(abs(paired.difference.halfWidth! - 2.484138) < 1e-6)
        #expect(paired.direction == .undecided)  // [-0.48, 4.48] holds 0
        #expect(PairedDifference([11, 12, 13, 12, 12], [10, 10, 10, 10, 10]).direction == .first)  // s = 0.707, [1.12, 2.88]
        #expect(PairedDifference([10, 10, 10, 10, 10], [11, 12, 13, 12, 12]).direction == .second)
        #expect(PairedDifference([5], [1]).direction == .undecided)  // one pair decides nothing
    }

    @Test func pairsToSeparateSolvesTheIntervalForN() {
        // mean 2, s = 1: t_{0.975, n-1} / sqrt(n) < 2 first at n = 4 (3.182446 / 2 = 1.591 < 2; n = 3: 2.484 > 2).
        let paired = PairedDifference([11, 12, 13], [10, 10, 10])
        #expect(paired.pairsToSeparate() == 4)
        #expect(PairedDifference([1, 2, 3], [1, 2, 3]).pairsToSeparate() == nil)  // no difference at all
        #expect(PairedDifference([2, 0], [0, 2]).pairsToSeparate() == nil)  // a mean of 0: no count separates
        #expect(PairedDifference([1.01, 0.99], [0, 0]).pairsToSeparate() == 2)  // s = 0.01414: t_{.975,1} s / sqrt 2 = 0.127 < 1
        #expect(PairedDifference([1, -0.9], [0, 0]).pairsToSeparate(limit: 50) == nil)  // would need thousands
    }
}

@Suite struct SignTestTests {
    @Test func pValuesAreTheBinomialTails() {
        // 8 against 2: 2 P(X <= 2), X ~ B(10, 1/2) = 2 (1 + 10 + 45) / 1024 = 0.109375.
        #expect(abs(SignTest(firstBetter: 8, secondBetter: 2, ties: 5).pValue - 0.109375) < 1e-12)
        // 10 against 0: 2 / 1024.
        #expect(abs(SignTest(firstBetter: 0, secondBetter: 10, ties: 0).pValue - 2.0 / 1024) < 1e-12)
        // An even split is capped at 1; no differing pair means no evidence.
        #expect(SignTest(firstBetter: 3, secondBetter: 3, ties: 0).pValue == 1)
        #expect(SignTest(firstBetter: 0, secondBetter: 0, ties: 7).pValue == 1)
    }

    @Test func signsAreCountedPairByPair() {
        let test = SignTest([1, 2, 3, 4, 5], [0, 2, 4, 1, 1])
        #expect(test == SignTest(firstBetter: 3, secondBetter: 1, ties: 1))
    }
}

@Suite struct LengthControlledWinRateTests {
    typealias Outcome = LengthControlledWinRate.Outcome

    /// The known answer: a judge that mostly prefers the longer answer (plus noise, so the fit is not
    /// separable), against a student that is longer 3 times in 4. Raw win rate far above 50, LC near 50.
    @Test func aJudgeOfLengthAloneGivesFiftyOnceLengthIsControlled() {
        let stream = RandomStream(seed: 11)
        let outcomes = (0..<4000).map { _ -> Outcome in
            let difference = (3 + stream.gaussian(sigma: 4)).rounded()
            return Outcome(lengthDifference: difference, win: stream.bernoulli(1 / (1 + exp(-difference / 2))))
        }
        let raw = 100 * Double(outcomes.filter(\.win).count) / Double(outcomes.count)
        let fit = LengthControlledWinRate.fit(outcomes)
        #expect(raw > 70, "raw \(raw)")
        #expect(abs(fit.winRate - 50) < 3, "LC \(fit.winRate)")
        #expect(fit.length > 2)
    }

    /// A judge blind to length: LC equals the raw rate, whatever the lengths.
    @Test func aJudgeBlindToLengthKeepsItsWinRate() {
        let stream = RandomStream(seed: 12)
        let outcomes = (0..<4000).map { _ in Outcome(lengthDifference: (3 + stream.gaussian(sigma: 4)).rounded(), win: stream.bernoulli(0.7)) }
        let raw = 100 * Double(outcomes.filter(\.win).count) / Double(outcomes.count)
        let fit = LengthControlledWinRate.fit(outcomes)
        #expect(abs(fit.winRate - raw) < 3, "LC \(fit.winRate), raw \(raw)")
        #expect(abs(fit.length) < 0.3)
    }

    /// Equal lengths: the model is sigma(a) alone, and the penalised optimum solves wins - n sigma(a) = lambda a.
    @Test func equalLengthsLeaveTheClosedFormIntercept() {
        let outcomes = (0..<1000).map { Outcome(lengthDifference: 2, win: $0 < 700) }
        let fit = LengthControlledWinRate.fit(outcomes)
        let a = fit.intercept
        #expect(abs(700 - 1000 / (1 + exp(-a)) - LengthControlledWinRate.ridge * a) < 1e-9)
        // The prior pulls a little toward 50: 1000 sigma(a) = 700 - a, a = 0.84, so 69.92.
        #expect(fit.winRate < 70 && fit.winRate > 69.9)
        #expect(fit.length == 0)
    }

    /// Separable outcomes (every judgement won; or won exactly when longer) still give a finite fit.
    @Test func separableOutcomesStayFinite() {
        let allWon = LengthControlledWinRate.fit((0..<200).map { Outcome(lengthDifference: Double($0 % 7), win: true) })
        #expect(allWon.intercept.isFinite && allWon.winRate > 90)
        let byLength = LengthControlledWinRate.fit((0..<200).map { Outcome(lengthDifference: Double($0 % 9) - 4, win: $0 % 9 > 4) })
        #expect(byLength.intercept.isFinite && byLength.length.isFinite && byLength.length > 3)
    }
}

@Suite struct WilsonIntervalTests {
    @Test func intervalsByHand() throws {
        // 8 of 10, z = 1.959964: centre (0.8 + 0.19207) / 1.38415 = 0.71674, half 1.41602 x sqrt(0.016 + 0.0009604) = 0.18436.
        let eight = try #require(wilsonInterval(count: 8, total: 10))
        #expect(abs(eight.lower - 0.49016) < 1e-4 && abs(eight.upper - 0.94331) < 1e-4)
        // 0 of 20 still has a width: [0, z^2 / (n + z^2)] = [0, 0.16113].
        let none = try #require(wilsonInterval(count: 0, total: 20))
        #expect(none.lower == 0 && abs(none.upper - 0.161125) < 1e-5)
        #expect(wilsonInterval(count: 0, total: 0) == nil)
    }
}
