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

    private let state = Mutex((count: Count(), missed: Set<String>(), firstMiss: LLMRole?.none))

    public init() {}

    public var count: Count { state.withLock { $0.count } }

    func hit(_ role: LLMRole) {
        state.withLock { s in
            s.count.fromCache[role, default: 0] += 1
            if Self.dependent(role, after: s.firstMiss) { s.count.estimated.insert(role) }
        }
    }

    func miss(_ key: String, _ request: ChatRequest, _ role: LLMRole) {
        state.withLock { s in
            if Self.dependent(role, after: s.firstMiss) { s.count.estimated.insert(role) }
            s.firstMiss = s.firstMiss ?? role
            guard s.missed.insert(key).inserted else { return }
            s.count.toSend[role, default: 0] += 1
            s.count.characters += request.messages.reduce(0) { $0 + $1.content.count }
        }
    }

    private static func dependent(_ role: LLMRole, after firstMiss: LLMRole?) -> Bool {
        guard let firstMiss else { return false }
        return role != firstMiss || FeedbackRound.current > 1
    }

    /// The empty answer a dry run gives.
    static let madeUp = try! LLMClient.decode(#"{"choices":[{"message":{"role":"assistant","content":""}}]}"#, from: "dry run")
}
