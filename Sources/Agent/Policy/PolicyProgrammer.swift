public import Policy
import PolicyKernel
import IPAddressing
import Netlink
import Synchronization

/// What the agent needs from the nftables side: make table `inet routed` hold what the policy
/// book, the memberships and this host's endpoints compile to. Every kernel change is atomic (a
/// refusal changes nothing and the previous ruleset stays in force).
///
/// `NFTPolicyProgrammer` drives PolicyKernel's `PolicyEngine`; `RecordingPolicyProgrammer` is for
/// unit tests.
public protocol PolicyProgrammer: Sendable {
    func program(book: PolicyBook, memberships: Memberships, endpoints: [LocalEndpoint]) throws
    /// Per-policy packet and byte counters, when the implementation can read them.
    func counters() -> [PolicyID: PolicyCounter]
}

/// Programs the kernel of the namespace the agent runs in through `PolicyEngine`: the first call
/// (and the first after a refusal) loads the whole table in one batch, replacing what an earlier
/// run left; later calls send only what changed — the book, then membership and endpoint
/// additions and removals, each an atomic batch of its own.
public final class NFTPolicyProgrammer: PolicyProgrammer {
    /// `PolicyEngine` is not thread-safe: every use is under this lock.
    let engine: Mutex<PolicyEngine?>

    public init() { engine = Mutex(nil) }

    struct Member: Hashable { var prefix: IPPrefix; var network: NetworkID }

    public func program(book: PolicyBook, memberships: Memberships, endpoints: [LocalEndpoint]) throws {
        try engine.withLock { current in
            guard let e = current else {
                let e = PolicyEngine(socket: try NFTablesSocket())
                try e.start(book: book, memberships: memberships, endpoints: endpoints)
                current = e
                return
            }
            do {
                if e.book != book { try e.setBook(book) }
                let had = Set(e.memberships.all.map { Member(prefix: $0.0, network: $0.1) })
                let want = Set(memberships.all.map { Member(prefix: $0.0, network: $0.1) })
                for m in had.subtracting(want) { try e.removeMembership(m.prefix, network: m.network) }
                for m in want.subtracting(had) { try e.addMembership(m.prefix, network: m.network) }
                let wantEndpoints = Dictionary(endpoints.map { ($0.ifname, $0) }, uniquingKeysWith: { _, b in b })
                for (ifname, old) in e.endpoints where wantEndpoints[ifname] != old { try e.removeEndpoint(ifname: ifname) }
                for (ifname, new) in wantEndpoints where e.endpoints[ifname] != new { try e.addEndpoint(new) }
            } catch {
                current = nil   // load in full next time
                throw error
            }
        }
    }

    public func counters() -> [PolicyID: PolicyCounter] {
        engine.withLock { e in (try? e?.counters()) ?? [:] }
    }
}

/// Records what it is asked to program, compiled to a `Ruleset`; fails when told to. Asserts nothing.
public final class RecordingPolicyProgrammer: PolicyProgrammer {
    struct State { var programmed: [Ruleset] = []; var failNext = 0 }
    let state = Mutex(State())
    public init() {}
    public var programmed: [Ruleset] { state.withLock { $0.programmed } }
    public var last: Ruleset? { programmed.last }
    public func failNext(_ n: Int = 1) { state.withLock { $0.failNext += n } }

    public func program(book: PolicyBook, memberships: Memberships, endpoints: [LocalEndpoint]) throws {
        try state.withLock { s in
            if s.failNext > 0 { s.failNext -= 1; throw RecordingPolicyProgrammer.Injected() }
            s.programmed.append(PolicyCompiler.compile(book, memberships: memberships, endpoints: endpoints))
        }
    }

    public func counters() -> [PolicyID: PolicyCounter] { [:] }

    public struct Injected: Error, CustomStringConvertible { public var description: String { "injected nftables failure" } }
}
