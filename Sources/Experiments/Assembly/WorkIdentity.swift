extension Experiment {
    /// What a saved piece of work of run seed `seed` depends on besides its own settings: the environment, the
    /// student and how it is optimised and warm-started. A saved piece is reused only under the same identity.
    func identity(seed: UInt64) -> [String] {
        let spec = policySpec
        return ["environment \(environment.name)", "policy \(spec.name) (\(spec.kind.rawValue))", "warm start \(spec.warmStartEpochs) epochs",
                "optimizer \(spec.optimizer)", "seed \(seed)"]
    }

    /// A learner and its resolved settings, in a fixed order: `dpo {beta=0.1, epochs=3}`.
    static func identity(learner: String, settings: [String: String]) -> String {
        "\(learner) {\(settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }.joined(separator: ", "))}"
    }
}
