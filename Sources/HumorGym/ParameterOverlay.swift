/// Settings over other settings: a key `top` holds wins, any other key takes its value from `base`, and a
/// bad value is reported where it was written. A chain's stage reads its learner this way: the stage's own
/// section over the policy's section for that learner. Only `top` must hold no unknown keys: `base` is a
/// resolved record, some of whose keys may not apply once `top` changes a choice (another loss, say).
public struct ParameterOverlay: ParameterSource {
    public let top: any ParameterSource
    public let base: any ParameterSource

    public init(_ top: any ParameterSource, over base: any ParameterSource) {
        self.top = top
        self.base = base
    }

    public func double(_ key: String, default value: Double, range: ClosedRange<Double>) throws -> Double {
        try top.double(key, default: try base.double(key, default: value, range: range), range: range)
    }

    public func int(_ key: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        try top.int(key, default: try base.int(key, default: value, range: range), range: range)
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        try top.bool(key, default: try base.bool(key, default: value))
    }

    public func string(_ key: String, default value: String, allowed: [String]) throws -> String {
        try top.string(key, default: try base.string(key, default: value, allowed: allowed), allowed: allowed)
    }

    public func strings(_ key: String, default value: [String]) throws -> [String] {
        try top.strings(key, default: try base.strings(key, default: value))
    }

    public func path(_ key: String, default value: String) throws -> String {
        try top.path(key, default: try base.path(key, default: value))
    }

    public func section(_ key: String) throws -> any ParameterSource {
        ParameterOverlay(try top.section(key), over: try base.section(key))
    }

    public func problem(_ key: String, _ text: String) -> HumorGymError { top.problem(key, text) }

    public func finish() throws { try top.finish() }
}
