import Netlink
import Policy
import PolicyKernel

/// Table `inet routed` programmed through libnftnl inside a test namespace: a namespace thread
/// owns the nf_tables socket and the programmer (both stay on that thread).
final class KernelTable {
    let thread: NamespaceThread
    private let box: Box

    private final class Box: @unchecked Sendable { var programmer: RulesetProgrammer? }

    init(namespace name: String) throws {
        thread = try NamespaceThread(namespace: NetworkNamespace(named: name))
        box = Box()
        let b = box
        try thread.run { b.programmer = RulesetProgrammer(socket: try NFTablesSocket()) }
    }

    /// Full atomic replace.
    func replace(_ r: Ruleset) throws {
        let b = box
        try thread.run { try b.programmer!.replace(with: r) }
    }

    /// The diff from the last applied ruleset (a full replace the first time).
    func program(_ r: Ruleset) throws {
        let b = box
        try thread.run { try b.programmer!.program(r) }
    }

    /// Sends a hand-built batch on the same socket.
    func apply(_ build: (NFTBatch) throws -> Void) throws {
        let b = box
        try thread.run {
            let batch = NFTBatch(family: .inet, table: Ruleset.table)
            try build(batch)
            try b.programmer!.socket.apply(batch)
        }
    }

    /// Per-policy counters read through netlink (a GETRULE dump), as the engine reads them.
    func counters() throws -> [PolicyID: PolicyCounter] {
        let b = box
        return try thread.run {
            let all = try b.programmer!.socket.ruleCounters(family: .inet, table: "routed")
            let ids = all.compactMap { PolicyID(chainName: $0.chain) ?? $0.comment.flatMap(PolicyID.init(chainName:)) }
            return PolicyEngine.policyCounters(all, policies: ids)
        }
    }

    var applied: TableLayout? {
        let b = box
        return try? thread.run { b.programmer!.applied }
    }

    func stop() { thread.stop() }
}
