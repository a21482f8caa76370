/// Where a learner's optimisation loop stands at a boundary (the end of an epoch, or of a round for learners
/// that collect experience in rounds): everything needed to continue exactly as if it had never stopped.
///
/// Parameters and Adam's moments are widened to Double, which is exact for Float students.
public struct LoopState: Sendable, Equatable {
    /// The learner whose loop this is; resuming another learner from it is an error.
    public var algorithm: String
    /// Epochs (or rounds) finished.
    public var unitsCompleted: Int
    /// Optimiser steps taken (also Adam's bias-correction count: each loop has its own optimiser).
    public var step: Int
    public var parameters: [Double]
    public var firstMoment: [Double]
    public var secondMoment: [Double]
    /// The state of every random stream the learner and its critic draw from, by name.
    public var streams: [String: [UInt8]]

    public init(algorithm: String, unitsCompleted: Int, step: Int, parameters: [Double], firstMoment: [Double],
                secondMoment: [Double], streams: [String: [UInt8]]) {
        self.algorithm = algorithm
        self.unitsCompleted = unitsCompleted
        self.step = step
        self.parameters = parameters
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.streams = streams
    }
}
