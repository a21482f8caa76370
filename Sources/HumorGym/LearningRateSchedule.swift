import Foundation

/// Linear warm-up, then optional cosine decay: the factor on the peak learning rate at step t (from 1) is
///     min(1, t / warmupSteps) * (decaySteps > 0 ? floor + (1 - floor) (1 + cos(pi min(t, decaySteps) / decaySteps)) / 2 : 1).
public struct LearningRateSchedule: Sendable, Equatable {
    public var warmupSteps = 0
    /// Steps over which the cosine falls to `floor` (0: no decay).
    public var decaySteps = 0
    /// The factor left at the end of the decay.
    public var floor = 0.1

    public init(warmupSteps: Int = 0, decaySteps: Int = 0, floor: Double = 0.1) {
        self.warmupSteps = warmupSteps
        self.decaySteps = decaySteps
        self.floor = floor
    }

    public func factor(step t: Int) -> Double {
        let warm = warmupSteps > 0 ? min(1, Double(t) / Double(warmupSteps)) : 1
        guard decaySteps > 0 else { return warm }
        let progress = Double(min(t, decaySteps)) / Double(decaySteps)
        return warm * (floor + (1 - floor) * (1 + cos(Double.pi * progress)) / 2)
    }
}
