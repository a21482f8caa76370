import Testing
@testable import Charts

@Suite struct AxisTickTests {
    @Test func unitRangeInFiveStepsGoesByTwoTenths() {
        // span 1 / 5 = 0.2, already round.
        #expect(Axis.ticks(from: 0, to: 1, count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    @Test func ticksCoverTheDataWithRoundNumbers() {
        // 97 / 5 = 19.4, rounded up to 20; 97 is covered by 100.
        #expect(Axis.ticks(from: 0, to: 97, count: 5) == [0, 20, 40, 60, 80, 100])
        // 0.75 / 5 = 0.15 -> 0.2; -0.3 floors to -0.4, 0.45 ceils to 0.6.
        #expect(Axis.ticks(from: -0.3, to: 0.45, count: 5) == [-0.4, -0.2, 0, 0.2, 0.4, 0.6])
        // 10 / 4 = 2.5 is one of the round steps.
        #expect(Axis.ticks(from: 0, to: 10, count: 4) == [0, 2.5, 5, 7.5, 10])
        // Order of the bounds does not matter.
        #expect(Axis.ticks(from: 1, to: 0, count: 5) == Axis.ticks(from: 0, to: 1, count: 5))
    }

    @Test func negativeRanges() {
        #expect(Axis.ticks(from: -97, to: 0, count: 5) == [-100, -80, -60, -40, -20, 0])
        #expect(Axis.ticks(from: -7, to: -2, count: 5) == [-7, -6, -5, -4, -3, -2])
    }

    @Test func zeroWidthRangeIsWidenedAroundTheValue() {
        // 3 widens by half of itself to 1.5...4.5; 3 / 5 = 0.6 -> 1.
        #expect(Axis.ticks(from: 3, to: 3, count: 5) == [1, 2, 3, 4, 5])
        #expect(Axis.ticks(from: -3, to: -3, count: 5) == [-5, -4, -3, -2, -1])
        #expect(Axis.ticks(from: 0, to: 0, count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    @Test func nonFiniteBoundsAreIgnored() {
        #expect(Axis.ticks(from: .nan, to: 3, count: 5) == Axis.ticks(from: 3, to: 3, count: 5))
        #expect(Axis.ticks(from: -.infinity, to: .infinity, count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(Axis(covering: [1, .nan, .infinity, 3, -.infinity]).ticks == Axis.ticks(from: 1, to: 3))
        #expect(Axis(covering: []).ticks.allSatisfy { $0.isFinite })
    }

    @Test func tickValuesAndLabelsHaveNoBinaryNoise() {
        let axis = Axis(covering: [0.1, 0.7], count: 6)
        #expect(axis.ticks.contains(0.3))  // the double nearest 0.3, not 0.1 * 3
        #expect(axis.labels == ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"])
        #expect(Axis(covering: [0, 10], count: 4).labels == ["0.0", "2.5", "5.0", "7.5", "10.0"])
        #expect(Axis(covering: [0, 97]).labels == ["0", "20", "40", "60", "80", "100"])
        #expect(Axis(covering: [0, 0.003]).labels.last == "0.003")  // step 0.001
    }

    @Test func extremeRangesStayFinite() {
        for (lo, hi) in [(0.0, 1e300), (-1e308, 1e308), (1e-300, 2e-300), (1e15, 1e15 + 1)] {
            let ticks = Axis.ticks(from: lo, to: hi)
            #expect(ticks.count >= 2 && ticks.allSatisfy { $0.isFinite }, "\(lo)...\(hi) -> \(ticks)")
        }
    }
}

@Suite struct AxisScaleTests {
    @Test func mapsDataLinearlyOntoPixels() {
        // A y axis: 0 at the bottom (pixel 300), 100 at the top (pixel 100).
        let axis = Axis(covering: [0, 97], start: 300, end: 100)
        #expect(axis.lower == 0 && axis.upper == 100)
        #expect(axis.pixel(0) == 300)
        #expect(axis.pixel(100) == 100)
        #expect(axis.pixel(50) == 200)
        #expect(axis.pixel(25) == 250)
    }

    @Test func nonFiniteDataLandsMidAxisRatherThanAsNaN() {
        let axis = Axis(covering: [0, 1], start: 40, end: 240)
        #expect(axis.pixel(.nan) == 140)
        #expect(axis.pixel(.infinity) == 140)
    }
}
