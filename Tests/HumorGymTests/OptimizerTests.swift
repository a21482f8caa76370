import Foundation
import HumorGym
import Testing

@Suite struct OptimizerTests {
    @Test func adamWFirstStepByHand() {
        // t = 1: m_hat = g and v_hat = g^2, so theta <- theta - lr (g / (|g| + eps) + weightDecay theta).
        var adam = Adam<Double>(learningRate: 0.1)
        adam.weightDecay = 0.1
        var theta = [1.0, -2.0]
        adam.step(&theta, gradient: [0.5, -3], norm: Adam<Double>.norm([0.5, -3]))
        #expect(abs(theta[0] - (1 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.1 * 1))) < 1e-15)
        #expect(abs(theta[1] - (-2 - 0.1 * (-3 / (3 + 1e-8) + 0.1 * -2))) < 1e-15)
        #expect(Adam<Float>.norm([3, 4]) == 5)
        #expect(!Adam<Float>.norm([1, .nan]).isFinite)
    }

    @Test func clippingRescalesTheGradient() {
        // Two steps: the second step's direction depends on the clipped magnitudes of both gradients.
        var clipped = Adam<Double>(learningRate: 0.1, clipNorm: 1), scaled = Adam<Double>(learningRate: 0.1)
        var a = [0.0], b = [0.0]
        clipped.step(&a, gradient: [10], norm: 10)
        clipped.step(&a, gradient: [0.5], norm: 0.5)
        scaled.step(&b, gradient: [1], norm: 1)       // 10 clipped to norm 1
        scaled.step(&b, gradient: [0.5], norm: 0.5)   // 0.5 is under the clip
        #expect(a == b)
    }

    @Test func warmUpThenCosineByHand() {
        let warm = LearningRateSchedule(warmupSteps: 4)
        #expect(warm.factor(step: 1) == 0.25 && warm.factor(step: 4) == 1 && warm.factor(step: 100) == 1)
        let cosine = LearningRateSchedule(decaySteps: 10, floor: 0.1)
        #expect(abs(cosine.factor(step: 5) - 0.55) < 1e-12)
        #expect(abs(cosine.factor(step: 10) - 0.1) < 1e-12 && abs(cosine.factor(step: 50) - 0.1) < 1e-12)
        let both = LearningRateSchedule(warmupSteps: 2, decaySteps: 10, floor: 0)
        #expect(abs(both.factor(step: 1) - 0.5 * (1 + cos(Double.pi / 10)) / 2) < 1e-12)
    }
}
