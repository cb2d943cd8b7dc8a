public import Netlink
public import Policy

/// Turns a `Ruleset` (or a `RulesetDiff`) into one nf_tables batch for table `inet routed`.
///
/// Unlike `Ruleset.nftText()`, which must carry the two network ids in `meta mark`/`ct mark`
/// because nft's grammar cannot concatenate two map lookups, the rules here look the source up
/// into 32-bit register 0 and the destination into register 1: adjacent registers form the
/// concatenated key of the verdict maps, and no mark is touched.
///
/// One verdict-map rule, as `nft --debug=netlink` prints it (forward, IPv4, `vany`):
/// ```
/// [ meta load nfproto => reg 8 ]  [ cmp eq reg 8 0x00000002 ]
/// [ payload load 4b @ network header + 12 => reg 8 ]  [ lookup reg 8 set addr4 dreg 8 ]
/// [ payload load 4b @ network header + 16 => reg 9 ]  [ lookup reg 9 set addr4 dreg 9 ]
/// [ lookup reg 8 set vany dreg 0 ]
/// ```
public enum RulesetProgram {
    static let r0 = NFTRegister.reg32(0), r1 = NFTRegister.reg32(1), r2 = NFTRegister.reg32(2)
    static let r4 = NFTRegister.reg32(4), r5 = NFTRegister.reg32(5), r6 = NFTRegister.reg32(6), r7 = NFTRegister.reg32(7)

    /// Full replace, atomically: `add table inet routed; delete table inet routed; table inet
    /// routed { ... }` in one batch, so there is no moment without filtering and no other table
    /// is touched.
    public static func replace(with r: Ruleset, into b: NFTBatch) throws(NFTablesError) {
        try b.addTable()
        try b.deleteTable()
        try b.addTable()
        for s in RoutedSets.all { try b.addSet(s) }
        // Straight from the ruleset's collections (not the sorted `Ruleset.elements`): only the
        // interval maps need an order, and `addresses4`/`addresses6` are already ascending.
        var bySet: [String: [NFTElement]] = [:]
        func add(_ set: NFTSet, _ es: some Sequence<RulesetElement>) {
            var out: [NFTElement] = []
            for e in es { out += RoutedSets.elements(e) }
            bySet[set.name] = out
        }
        add(RoutedSets.addr4, r.addresses4.lazy.map { .address4($0) })
        add(RoutedSets.addr6, r.addresses6.lazy.map { .address6($0) })
        // Verdict maps in key order: `nft list` shows a pipapo map in insertion order.
        add(RoutedSets.vany, r.pairVerdicts.keys.sorted().lazy.map { .pair($0, r.pairVerdicts[$0]!) })
        add(RoutedSets.vproto, r.protoVerdicts.keys.sorted().lazy.map { .proto($0, r.protoVerdicts[$0]!) })
        add(RoutedSets.vports, r.portVerdicts.keys.sorted().lazy.map { .port($0, r.portVerdicts[$0]!) })
        add(RoutedSets.workloads, r.workloadInterfaces.lazy.map { .workload(ifname: $0) })
        add(RoutedSets.spoof4, r.antiSpoof4.lazy.map { .spoof4(ifname: $0.ifname, $0.address) })
        add(RoutedSets.spoof6, r.antiSpoof6.lazy.map { .spoof6(ifname: $0.ifname, $0.address) })
        try b.addChain(NFTChain("pass"))
        try b.addRule(chain: "pass", [.verdict(.accept)], summary: "accept")
        for id in r.policyChains.keys.sorted() { try addPolicyChain(r.policyChains[id]!, into: b) }
        for s in RoutedSets.all { if let els = bySet[s.name], !els.isEmpty { try b.addElements(set: s.name, setID: s.id, els) } }
        for (name, hook) in [("prerouting", NFTHook.prerouting), ("forward", .forward), ("input", .input), ("output", .output)] {
            try b.addChain(NFTChain(name, hook: hook))
        }
        try hookRules(r.defaultAction, into: b)
    }

    /// Only what changed, in `RulesetDiff`'s order: add chains, change chains, delete elements,
    /// add elements, replace the default, delete chains.
    public static func update(_ d: RulesetDiff, into b: NFTBatch) throws(NFTablesError) {
        for c in d.addedChains { try addPolicyChain(c, into: b) }
        for c in d.changedChains {
            try b.flushChain(c.id.chainName)
            try policyRules(c, into: b)
        }
        for (set, els) in grouped(d.deletedElements) { try b.deleteElements(set: set, els) }
        for (set, els) in grouped(d.addedElements) { try b.addElements(set: set, els) }
        if let def = d.newDefault {
            for (name, hook) in classified {
                try b.flushChain(name)
                try hookChainRules(name, hook, def, setIDs: false, into: b)
            }
        }
        for id in d.deletedChains { try b.deleteChain(id.chainName) }
    }

    private static func grouped(_ es: [RulesetElement]) -> [(String, [NFTElement])] {
        var order: [String] = [], by: [String: [NFTElement]] = [:]
        for e in es {
            if by[e.setName] == nil { order.append(e.setName) }
            by[e.setName, default: []] += RoutedSets.elements(e)
        }
        return order.map { ($0, by[$0]!) }
    }

    static func addPolicyChain(_ c: PolicyChain, into b: NFTBatch) throws(NFTablesError) {
        try b.addChain(NFTChain(c.id.chainName, comment: c.comment))
        try policyRules(c, into: b)
    }

    /// `counter [log prefix "routed pN deny "] goto pass|drop`.
    static func policyRules(_ c: PolicyChain, into b: NFTBatch) throws(NFTablesError) {
        var x: [NFTExpression] = [.counter]
        if c.log { x.append(.log(prefix: "routed \(c.id.chainName) \(c.action.rawValue) ")) }
        x.append(.verdict(c.action == .allow ? .goto("pass") : .drop))
        try b.addRule(chain: c.id.chainName, x, summary: c.action == .allow ? "counter goto pass" : "counter drop")
    }

    static func lookup(_ s: NFTSet, _ setIDs: Bool, from: NFTRegister, into: NFTRegister?, inverted: Bool = false) -> NFTExpression {
        .lookup(set: s.name, setID: setIDs ? s.id : nil, from: from, into: into, inverted: inverted)
    }

    static let ipv4: [NFTExpression] = [.meta(.nfproto, into: r0), .compare(r0, equal: true, [2])]
    static let ipv6: [NFTExpression] = [.meta(.nfproto, into: r0), .compare(r0, equal: true, [10])]
    static let established: [NFTExpression] = [
        .ctState(into: r0), .bitwise(r0, mask: [6, 0, 0, 0], xor: [0, 0, 0, 0]), .compare(r0, equal: false, [0, 0, 0, 0]),
        .verdict(.accept),
    ]
    static var host: [UInt8] { RoutedSets.hostOrder(.host) }
    static let classified: [(String, NFTHook)] = [("forward", .forward), ("input", .input), ("output", .output)]

    /// Source network id into 32-bit register 0 and destination network id into register 1, for
    /// one family at one hook (the host's own side is `host`).
    static func networkIDs(_ hook: NFTHook, v6: Bool, setIDs: Bool) -> [NFTExpression] {
        let set = v6 ? RoutedSets.addr6 : RoutedSets.addr4
        let (saddr, daddr, len): (UInt32, UInt32, UInt32) = v6 ? (8, 24, 16) : (12, 16, 4)
        let src: [NFTExpression] = hook == .output ? [.immediate(r0, host)]
            : [.payload(.network, offset: saddr, length: len, into: r0), lookup(set, setIDs, from: r0, into: r0)]
        let dst: [NFTExpression] = hook == .input ? [.immediate(r1, host)]
            : [.payload(.network, offset: daddr, length: len, into: r1), lookup(set, setIDs, from: r1, into: r1)]
        return (v6 ? ipv6 : ipv4) + src + dst
    }

    /// One hook chain's rules. The kernel refuses a load from a register no earlier expression
    /// of the same rule stored (ENODATA since Linux 6.x), so each verdict-map rule looks both
    /// addresses up itself: at most six lookups per packet, whatever the number of endpoints,
    /// networks and policies. Most specific map first; the first hit decides; then the default.
    static func hookChainRules(_ name: String, _ hook: NFTHook, _ def: PolicyAction, setIDs: Bool, into b: NFTBatch) throws(NFTablesError) {
        let side = hook == .input ? "host" : hook == .output ? "host" : ""
        if hook == .input {
            try b.addRule(chain: name, [.meta(.iif, into: r0), .compare(r0, equal: true, [1, 0, 0, 0]), .verdict(.accept)], summary: "iif \"lo\" accept")
        } else if hook == .output {
            try b.addRule(chain: name, [.meta(.oif, into: r0), .compare(r0, equal: true, [1, 0, 0, 0]), .verdict(.accept)], summary: "oif \"lo\" accept")
        }
        try b.addRule(chain: name, established, summary: "ct state established,related accept")
        for v6 in [false, true] {
            let ids = networkIDs(hook, v6: v6, setIDs: setIDs)
            let family = v6 ? "ipv6" : "ipv4"
            try b.addRule(chain: name, ids + [
                .hostToNetwork(from: r0, into: r4, length: 4, size: 4), .hostToNetwork(from: r1, into: r5, length: 4, size: 4),
                .meta(.l4proto, into: r6), .payload(.transport, offset: 2, length: 2, into: r7),
                lookup(RoutedSets.vports, setIDs, from: r4, into: .verdict),
            ], summary: "\(family) src . dst . l4proto . th dport vmap @vports \(side)")
            try b.addRule(chain: name, ids + [.meta(.l4proto, into: r2), lookup(RoutedSets.vproto, setIDs, from: r0, into: .verdict)],
                          summary: "\(family) src . dst . l4proto vmap @vproto \(side)")
            try b.addRule(chain: name, ids + [lookup(RoutedSets.vany, setIDs, from: r0, into: .verdict)],
                          summary: "\(family) src . dst vmap @vany \(side)")
        }
        try b.addRule(chain: name, [.counter, .verdict(def == .allow ? .goto("pass") : .drop)],
                      summary: def == .allow ? "counter goto pass" : "counter drop")
    }

    static func hookRules(_ def: PolicyAction, into b: NFTBatch) throws(NFTablesError) {
        // prerouting: a workload interface must carry its endpoint's own source address.
        try b.addRule(chain: "prerouting", ipv4 + [
            .meta(.iifname, into: r0), lookup(RoutedSets.workloads, true, from: r0, into: nil),
            .payload(.network, offset: 12, length: 4, into: r4),
            lookup(RoutedSets.spoof4, true, from: r0, into: nil, inverted: true), .counter, .verdict(.drop),
        ], summary: "iifname @workloads iifname . ip saddr != @spoof4 counter drop")
        try b.addRule(chain: "prerouting", ipv6 + [
            .payload(.network, offset: 8, length: 16, into: r0), .compare(r0, equal: false, [UInt8](repeating: 0, count: 16)),
            .payload(.network, offset: 8, length: 2, into: r0), .bitwise(r0, mask: [0xff, 0xc0], xor: [0, 0]),
            .compare(r0, equal: false, [0xfe, 0x80]),
            .meta(.iifname, into: r0), lookup(RoutedSets.workloads, true, from: r0, into: nil),
            .payload(.network, offset: 8, length: 16, into: r4),
            lookup(RoutedSets.spoof6, true, from: r0, into: nil, inverted: true), .counter, .verdict(.drop),
        ], summary: "iifname @workloads ip6 saddr != { ::, fe80::/10 } iifname . ip6 saddr != @spoof6 counter drop")
        for (name, hook) in classified { try hookChainRules(name, hook, def, setIDs: true, into: b) }
    }
}

/// Programs table `inet routed` through one `NFTablesSocket`: the first call (or `replace`)
/// loads everything atomically, later calls send only the diff from what was last applied.
/// On any refusal nothing changes in the kernel and `applied` keeps the previous ruleset.
public final class RulesetProgrammer {
    public let socket: NFTablesSocket
    public private(set) var applied: Ruleset?

    public init(socket: NFTablesSocket) { self.socket = socket }

    /// `nft -f` of `Ruleset.nftReplaceText()`, through libnftnl.
    public func replace(with r: Ruleset) throws(NFTablesError) {
        let b = NFTBatch(family: .inet, table: Ruleset.table)
        try RulesetProgram.replace(with: r, into: b)
        try socket.apply(b)
        applied = r
    }

    /// Brings the kernel to `r`: the diff from the last applied ruleset, or a full replace.
    public func program(_ r: Ruleset) throws(NFTablesError) {
        guard let old = applied else { return try replace(with: r) }
        let d = RulesetDiff(from: old, to: r)
        guard !d.isEmpty else { return }
        let b = NFTBatch(family: .inet, table: Ruleset.table)
        try RulesetProgram.update(d, into: b)
        try socket.apply(b)
        applied = r
    }
}
