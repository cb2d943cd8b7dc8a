public import Policy
import PolicyKernel
import Netlink
import Synchronization

/// What the agent needs from the nftables side: make table `inet routed` equal a `Ruleset`, as
/// one atomic transaction (a refusal changes nothing and keeps the previous ruleset in force).
///
/// `NFTPolicyProgrammer` uses today's `RulesetProgrammer` (full load first, then diffs);
/// `RecordingPolicyProgrammer` is for unit tests. REPLACE with the PolicyKernel facade (PolicyBook
/// + Memberships as one batch, counters) when it lands.
public protocol PolicyProgrammer: Sendable {
    func program(_ ruleset: Ruleset) throws
    /// Per-policy packet and byte counters, when the implementation can read them.
    func counters() -> [PolicyID: PolicyCounter]
}

/// Programs the kernel of the namespace the agent runs in, through libnftnl.
public final class NFTPolicyProgrammer: PolicyProgrammer {
    let programmer: Mutex<RulesetProgrammer?>

    public init() { programmer = Mutex(nil) }

    public func program(_ ruleset: Ruleset) throws {
        try programmer.withLock { p in
            if p == nil { p = RulesetProgrammer(socket: try NFTablesSocket()) }
            do { try p!.program(ruleset) } catch {
                // A refused diff can leave our memory of the kernel wrong: load in full next time.
                p = RulesetProgrammer(socket: p!.socket)
                throw error
            }
        }
    }

    public func counters() -> [PolicyID: PolicyCounter] { [:] }
}

/// Records every ruleset it is asked to program; fails when told to. Asserts nothing.
public final class RecordingPolicyProgrammer: PolicyProgrammer {
    struct State { var programmed: [Ruleset] = []; var failNext = 0 }
    let state = Mutex(State())
    public init() {}
    public var programmed: [Ruleset] { state.withLock { $0.programmed } }
    public var last: Ruleset? { programmed.last }
    public func failNext(_ n: Int = 1) { state.withLock { $0.failNext += n } }

    public func program(_ ruleset: Ruleset) throws {
        try state.withLock { s in
            if s.failNext > 0 { s.failNext -= 1; throw RecordingPolicyProgrammer.Injected() }
            s.programmed.append(ruleset)
        }
    }

    public func counters() -> [PolicyID: PolicyCounter] { [:] }

    public struct Injected: Error, CustomStringConvertible { public var description: String { "injected nftables failure" } }
}
