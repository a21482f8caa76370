/// The errors HumorGym reports to a user: each says what went wrong and where.
public struct HumorGymError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
