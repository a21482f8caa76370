import Foundation

/// AdamW (Kingma and Ba, 2015; decoupled weight decay: Loshchilov and Hutter, 2019) on a flat parameter
/// vector of any precision, with optional global-norm gradient clipping and a learning-rate schedule.
///
/// m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
/// theta <- theta - lr_t * (m_hat / (sqrt(v_hat) + eps) + weightDecay * theta),
/// with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t) and lr_t from ``LearningRateSchedule``.
public struct Adam<Scalar: BinaryFloatingPoint & Sendable>: Sendable {
    /// The peak learning rate; the schedule scales it at each step.
    public var learningRate: Double
    public var schedule = LearningRateSchedule()
    /// Decoupled weight decay (0: plain Adam).
    public var weightDecay = 0.0
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// Rescale the gradient to this global L2 norm when it is larger; nil for no clipping.
    public var clipNorm: Double?
    private var m: [Scalar] = []
    private var v: [Scalar] = []
    public private(set) var stepCount = 0

    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                clipNorm: Double? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.clipNorm = clipNorm
    }

    /// The first and second moment estimates (empty before the first step), for saving a training state.
    public var moments: (first: [Scalar], second: [Scalar]) { (m, v) }

    /// Continues from saved moments after `stepCount` steps (empty moments: no step taken yet).
    public mutating func restore(first: [Scalar], second: [Scalar], stepCount: Int) {
        precondition(first.count == second.count, "Adam.restore: the moments differ in length")
        m = first
        v = second
        self.stepCount = first.isEmpty ? 0 : stepCount
    }

    /// The global L2 norm of a gradient, accumulated in Double; not finite when any entry is not.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func norm(_ gradient: [Scalar]) -> Double {
        var sum = 0.0
        for g in gradient { sum += Double(g) * Double(g) }
        return sum.squareRoot()
    }

    /// The learning rate the last step took (the schedule's factor on the peak rate), as TRL logs it.
    public var lastLearningRate: Double { learningRate * schedule.factor(step: stepCount) }

    /// Applies one update to `parameters` from a gradient whose norm (``norm(_:)``) is `norm`.
    ///
    /// Specialised for Float and Double: callers are often generic over the policy, and an unspecialised
    /// loop over a million parameters would go through protocol witnesses for every operation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func step(_ parameters: inout [Scalar], gradient: [Scalar], norm: Double) {
        precondition(parameters.count == gradient.count, "gradient length does not match the parameters")
        if m.count != parameters.count {
            m = Array(repeating: 0, count: parameters.count)
            v = m
            stepCount = 0
        }
        let scale = Scalar(clipNorm.map { norm > $0 ? $0 / norm : 1 } ?? 1)
        stepCount += 1
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        let lr = Scalar(lastLearningRate), decay = Scalar(weightDecay)
        let c1 = Scalar(1 - pow(beta1, Double(stepCount))), c2 = Scalar(1 - pow(beta2, Double(stepCount)))
        // Through raw buffers, so that the loop vectorises (array subscripts in a mutating method check
        // uniqueness element by element); each element's arithmetic is the same, so are its bits.
        parameters.withUnsafeMutableBufferPointer { theta in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    gradient.withUnsafeBufferPointer { gradient in
                        for i in 0..<theta.count {
                            let g = gradient[i] * scale
                            m[i] = b1 * m[i] + (1 - b1) * g
                            v[i] = b2 * v[i] + (1 - b2) * g * g
                            theta[i] -= lr * ((m[i] / c1) / ((v[i] / c2).squareRoot() + eps) + decay * theta[i])
                        }
                    }
                }
            }
        }
    }
}
