extension Experiment {
    /// What a saved piece of work of run seed `seed` depends on besides its own settings: the environment, the
    /// student and how it is optimised and warm-started. A saved piece is reused only under the same identity.
    func identity(seed: UInt64) -> [String] { Self.identity(environment: environment, policy: policySpec, seed: seed) }

    /// The same, from the specs alone (without assembling the experiment).
    static func identity(environment: EnvironmentSpec, policy spec: PolicySpec, seed: UInt64) -> [String] {
        [identity(environment: environment), "policy \(spec.name) (\(spec.kind.rawValue), \(digest(spec.withoutVariants)))",
         "warm start \(spec.warmStartEpochs) epochs", "optimizer \(spec.optimizer)", "seed \(seed)"]
    }

    /// The environment by name and by every setting it holds: an edited file under the same name is another environment.
    static func identity(environment: EnvironmentSpec) -> String { "environment \(environment.name) (\(digest(environment)))" }

    /// A learner and its resolved settings, in a fixed order: `dpo {beta=0.1, epochs=3}`.
    static func identity(learner: String, settings: [String: String]) -> String {
        "\(learner) {\(settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }.joined(separator: ", "))}"
    }

    /// 64-bit FNV-1a of `value`'s ``canonicalDescription(_:)``, in hex: the same settings, the same digest, in
    /// every process (it tells an edited spec from the one a file was made with; it guards against no adversary).
    static func digest(_ value: Any) -> String {
        let hash = canonicalDescription(value).utf8.reduce(14_695_981_039_346_656_037 as UInt64) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return String(hash, radix: 16)
    }

    /// Every stored value of `value`, nested, with dictionaries and sets in sorted order (Swift's own order
    /// changes from process to process).
    static func canonicalDescription(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        let children = mirror.children.map { (label: $0.label ?? "", value: canonicalDescription($0.value)) }
        switch mirror.displayStyle {
        case .optional: return children.first?.value ?? "nil"
        case .dictionary, .set: return "[" + children.map(\.value).sorted().joined(separator: ", ") + "]"
        case .collection: return "[" + children.map(\.value).joined(separator: ", ") + "]"
        case _ where children.isEmpty: return String(describing: value)
        default: return "\(mirror.subjectType)(" + children.map { "\($0.label): \($0.value)" }.joined(separator: ", ") + ")"
        }
    }
}
