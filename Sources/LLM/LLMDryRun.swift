import Chat
import HumorGym
import Synchronization

/// What a run would ask of a server, counted without asking: a client in a dry run answers what its cache holds
/// and gives every other request an empty answer (a judge abstains, a teacher writes nothing) after counting it.
///
/// Equal requests count once, as the real run would send them once. A role's count is exact while none of its
/// requests depends on an answer the dry run made up; it is an estimate once one comes after a made-up answer
/// for another role (the critic judges what a student learnt from the teacher's answers, an evaluation what it
/// learnt from the critic's), or in a later round of feedback (what a student learnt from the critic's own
/// earlier verdicts). With static feedback, the teacher's and the critic's counts are exact.
public final class LLMDryRun: Sendable {
    public struct Count: Sendable, Equatable {
        /// Distinct requests the run would send, by role.
        public var toSend: [LLMRole: Int] = [:]
        /// Calls the cache answers, by role.
        public var fromCache: [LLMRole: Int] = [:]
        /// Characters of the requests to send (their messages), for the token estimate.
        public var characters = 0
        /// Roles with a request that may have depended on a made-up answer: their counts are estimates.
        public var estimated: Set<LLMRole> = []
    }

    /// The first role given a made-up answer, shared by every client of a run (a teacher on one server, a
    /// critic on another).
    public final class Dependencies: Sendable {
        let firstMiss = Mutex<LLMRole?>(nil)
        public init() {}

        /// Whether a request for `role` may depend on a made-up answer; `missing` notes one being made up.
        func dependent(_ role: LLMRole, missing: Bool) -> Bool {
            firstMiss.withLock { first in
                defer { if missing && first == nil { first = role } }
                guard let first else { return false }
                return role != first || FeedbackRound.current > 1
            }
        }
    }

    private let state = Mutex((count: Count(), missed: Set<String>()))
    private let dependencies: Dependencies

    public init(dependencies: Dependencies = Dependencies()) {
        self.dependencies = dependencies
    }

    public var count: Count { state.withLock { $0.count } }

    func hit(_ role: LLMRole) {
        let dependent = dependencies.dependent(role, missing: false)
        state.withLock { s in
            s.count.fromCache[role, default: 0] += 1
            if dependent { s.count.estimated.insert(role) }
        }
    }

    func miss(_ key: String, _ request: ChatRequest, _ role: LLMRole) {
        let dependent = dependencies.dependent(role, missing: true)
        state.withLock { s in
            if dependent { s.count.estimated.insert(role) }
            guard s.missed.insert(key).inserted else { return }
            s.count.toSend[role, default: 0] += 1
            s.count.characters += request.messages.reduce(0) { $0 + $1.content.count }
        }
    }

    /// The empty answer a dry run gives.
    static let madeUp = try! LLMClient.decode(#"{"choices":[{"message":{"role":"assistant","content":""}}]}"#, from: "dry run")
}
