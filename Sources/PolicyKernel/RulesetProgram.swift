public import Netlink
public import Policy

/// Turns a `TableLayout` (or a `RulesetDiff`) into one nf_tables batch for table `inet routed`,
/// with the expressions nft 1.0.6 itself generates for `TableLayout.nftText()` — so an
/// operator's `nft list ruleset` prints our table (no register concatenation, no marks).
///
/// A source dispatch rule, as `nft --debug=netlink` prints it (forward, IPv4):
/// ```
/// [ meta load nfproto => reg 8 ]  [ cmp eq reg 8 0x00000002 ]
/// [ payload load 4b @ network header + 12 => reg 8 ]  [ lookup reg 8 set src4 dreg 0 ]
/// ```
public enum RulesetProgram {
    static let r0 = NFTRegister.reg32(0), r1 = NFTRegister.reg32(1), r4 = NFTRegister.reg32(4)

    /// Full replace, atomically: `add table inet routed; delete table inet routed; table inet
    /// routed { ... }` in one batch, so there is no moment without filtering (a restart adopts
    /// whatever table a previous run left) and no other table is touched.
    public static func replace(with t: TableLayout, into b: NFTBatch) throws(NFTablesError) {
        for name in t.orderedMapNames {
            let m = t.maps[name]!
            if let size = m.kind.size, m.elements.count > Int(size) {
                throw .invalidArgument(PolicyError.tooManyWorkloads(set: name, count: m.elements.count, limit: size).description)
            }
        }
        try b.addTable()
        try b.deleteTable()
        try b.addTable()
        // About 110 bytes per element and 330 per chain with its rules (measured at the issue's
        // scale: 2.3 MB for 21,012 elements and 2,006 chains).
        b.reserveCapacity(t.maps.values.reduce(0) { $0 + $1.elements.count } * 110 + t.chains.count * 330)
        var ids: [String: UInt32] = [:]
        for name in t.orderedMapNames { try declare(name, t.maps[name]!.kind, into: b, ids: &ids) }
        let chains = t.orderedChainNames
        for name in chains { try b.addChain(chain(name, t.chains[name]!)) }
        for name in t.orderedMapNames {
            let m = t.maps[name]!
            guard !m.elements.isEmpty else { continue }
            // Interval maps in ascending order; `nft list` shows a pipapo map in insertion order.
            if m.kind.isInterval {
                let els = LayoutElement.ordered(m.elements)
                try b.addElements(set: name, setID: ids[name]) { w in for e in els { RoutedSets.write(e, &w) } }
            } else {
                try b.addElements(set: name, setID: ids[name]) { w in for e in m.elements { RoutedSets.write(e, &w) } }
            }
        }
        for name in chains { try rules(name, t.chains[name]!.rules, into: b, ids: ids) }
    }

    /// Only what changed, in `RulesetDiff`'s order.
    public static func update(_ d: RulesetDiff, into b: NFTBatch) throws(NFTablesError) {
        // Chains before maps: a batch adding an interval map, then a chain, then an element of
        // that map jumping to the chain is refused with ENOENT (seen through `nft -f` 1.0.6,
        // kernel 6.18); chain first is accepted, so both paths keep this order.
        var ids: [String: UInt32] = [:]
        for name in d.addedChains.keys.sorted() { try b.addChain(chain(name, d.addedChains[name]!)) }
        for name in d.addedMaps.keys.sorted() { try declare(name, d.addedMaps[name]!, into: b, ids: &ids) }
        for name in (Array(d.changedChains.keys) + d.deletedChains).sorted() { try b.flushChain(name) }
        var scratch: [NFTElement] = []
        for name in d.deletedElements.keys.sorted() {
            scratch.removeAll(keepingCapacity: true)
            for e in d.deletedElements[name]! { RoutedSets.append(e, to: &scratch) }
            try b.deleteElements(set: name, scratch)
        }
        for name in d.addedElements.keys.sorted() {
            scratch.removeAll(keepingCapacity: true)
            for e in LayoutElement.ordered(d.addedElements[name]!) { RoutedSets.append(e, to: &scratch) }
            try b.addElements(set: name, setID: ids[name], scratch)
        }
        for (name, c) in d.addedChains.merging(d.changedChains, uniquingKeysWith: { a, _ in a }).sorted(by: { $0.key < $1.key }) {
            try rules(name, c.rules, into: b, ids: ids)
        }
        for name in d.deletedMaps { try b.deleteSet(name, isMap: d.deletedMapKinds[name]?.isMap ?? true) }
        for name in d.deletedChains { try b.deleteChain(name) }
    }

    static func declare(_ name: String, _ kind: LayoutMapKind, into b: NFTBatch, ids: inout [String: UInt32]) throws(NFTablesError) {
        let id = UInt32(ids.count + 1)
        ids[name] = id
        try b.addSet(RoutedSets.declaration(name, kind, id: id))
    }

    static func chain(_ name: String, _ c: LayoutChain) -> NFTChain {
        let hook: NFTHook? = switch c.hook {
        case nil: nil
        case .prerouting?: .prerouting
        case .forward?: .forward
        case .input?: .input
        case .output?: .output
        }
        return NFTChain(name, hook: hook, comment: c.comment)
    }

    /// `add rule` of each of `rs` to `chain` (`ids`: the batch ids of sets created in the batch).
    public static func rules(_ chain: String, _ rs: [LayoutRule], into b: NFTBatch, ids: [String: UInt32]) throws(NFTablesError) {
        for r in rs {
            if case .destination(let m) = r {
                // The bulk of a full load (~3,000 rules): written from integers, no arrays.
                try b.addRule(chain: chain, comment: m.comment, summary: r.nftText) { w in write(m, w) }
            } else {
                try b.addRule(chain: chain, expressions(r, ids: ids), comment: r.comment, summary: r.nftText)
            }
        }
    }

    static func lookup(_ map: String, _ ids: [String: UInt32], from: NFTRegister, into: NFTRegister?, inverted: Bool = false) -> NFTExpression {
        .lookup(set: map, setID: ids[map], from: from, into: into, inverted: inverted)
    }

    static let ipv4: [NFTExpression] = [.meta(.nfproto, into: r0), .compare(r0, equal: true, [2])]
    static let ipv6: [NFTExpression] = [.meta(.nfproto, into: r0), .compare(r0, equal: true, [10])]

    /// The expressions of one rule: what nft 1.0.6 generates for `LayoutRule.nftText`.
    public static func expressions(_ r: LayoutRule, ids: [String: UInt32] = [:]) -> [NFTExpression] {
        switch r {
        case .acceptEstablished:
            return [.ctState(into: r0), .bitwise(r0, mask: [6, 0, 0, 0], xor: [0, 0, 0, 0]), .compare(r0, equal: false, [0, 0, 0, 0]), .verdict(.accept)]
        case .acceptLoopback(let input):
            return [.meta(input ? .iif : .oif, into: r0), .compare(r0, equal: true, [1, 0, 0, 0]), .verdict(.accept)]
        case .antiSpoof(v6: false):
            return ipv4 + [
                .meta(.iifname, into: r0), lookup("workloads", ids, from: r0, into: nil),
                .payload(.network, offset: 12, length: 4, into: r4),
                lookup("spoof4", ids, from: r0, into: nil, inverted: true), .counter, .verdict(.drop),
            ]
        case .antiSpoof(v6: true):
            // The family first (so an IPv4 packet costs one compare here, not a `workloads`
            // lookup), then the interface, `ip6 saddr != ::` and `ip6 saddr != fe80::/10` (a
            // 16-byte masked compare), then the pair lookup: nft's bytes for `LayoutRule.nftText`.
            var fe80Mask = [UInt8](repeating: 0, count: 16), fe80 = [UInt8](repeating: 0, count: 16)
            fe80Mask[0] = 0xff; fe80Mask[1] = 0xc0; fe80[0] = 0xfe; fe80[1] = 0x80
            return ipv6 + [.meta(.iifname, into: r0), lookup("workloads", ids, from: r0, into: nil)] + [
                .payload(.network, offset: 8, length: 16, into: r0), .compare(r0, equal: false, [UInt8](repeating: 0, count: 16)),
                .payload(.network, offset: 8, length: 16, into: r0), .bitwise(r0, mask: fe80Mask, xor: [UInt8](repeating: 0, count: 16)),
                .compare(r0, equal: false, fe80),
                .meta(.iifname, into: r0), .payload(.network, offset: 8, length: 16, into: r4),
                lookup("spoof6", ids, from: r0, into: nil, inverted: true), .counter, .verdict(.drop),
            ]
        case .sourceVmap(let v6, let map):
            return (v6 ? ipv6 : ipv4) + [.payload(.network, offset: v6 ? 8 : 12, length: v6 ? 16 : 4, into: r0),
                                         lookup(map, ids, from: r0, into: .verdict)]
        case .destinationVmap(let v6, let map):
            return (v6 ? ipv6 : ipv4) + [.payload(.network, offset: v6 ? 24 : 16, length: v6 ? 16 : 4, into: r0),
                                         lookup(map, ids, from: r0, into: .verdict)]
        case .portVmap(let map):
            // nft's own bytes for `meta l4proto . th dport`: the protocol byte goes through a
            // (no-op) host-to-network byteorder, as nft emits it for an interval concatenation.
            return [.meta(.l4proto, into: r0), .hostToNetwork(from: r0, into: r0, length: 1, size: 2),
                    .payload(.transport, offset: 2, length: 2, into: r1), lookup(map, ids, from: r0, into: .verdict)]
        case .protoVmap(let map):
            return [.meta(.l4proto, into: r0), lookup(map, ids, from: r0, into: .verdict)]
        case .destination(let m):
            return destination(m)
        case .target(let t):
            return [.verdict(RoutedSets.verdict(t))]
        case .count(let action, let log):
            return policy(action, logPrefix: log)
        }
    }
}

extension RulesetProgram {
    /// What nft 1.0.6 generates for `DestinationMatch.nftText` (`nft --debug=netlink`):
    /// ```
    /// [ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ]
    /// [ payload load 4b @ network header + 16 => reg 1 ]
    /// [ bitwise reg 1 = ( reg 1 & 0x00ffffff ) ^ 0x00000000 ] [ cmp eq reg 1 0x00010a0a ]   /24
    ///   (a single address: the cmp alone; a range that is no prefix: [ range eq reg 1 A B ])
    /// [ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000006 ]                          tcp
    /// [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00005000 ]      dport 80
    /// [ immediate reg 0 goto p2 ]
    ///   (a policy folded in: [ counter pkts 0 bytes 0 ] [ log prefix … ] [ immediate reg 0 drop ],
    ///   and the rule's comment `pN` in its user data)
    /// ```
    static func destination(_ m: DestinationMatch) -> [NFTExpression] {
        let width = m.v6 ? 16 : 4
        func bytes(_ v: UInt128) -> [UInt8] {
            m.v6 ? RoutedSets.bigEndian(v) : RoutedSets.bigEndian(UInt32(truncatingIfNeeded: v))
        }
        var x = (m.v6 ? ipv6 : ipv4) + [.payload(.network, offset: m.v6 ? 24 : 16, length: UInt32(width), into: r0)]
        if let len = m.prefixLength {
            if len < width * 8 {
                let mask: UInt128 = m.v6 ? ~(UInt128.max >> len) : UInt128(~(UInt32.max >> len))
                x.append(.bitwise(r0, mask: bytes(mask), xor: [UInt8](repeating: 0, count: width)))
            }
            x.append(.compare(r0, equal: true, bytes(m.first)))
        } else {
            x.append(.range(r0, from: bytes(m.first), to: bytes(m.last)))
        }
        if let p = m.proto {
            x += [.meta(.l4proto, into: r0), .compare(r0, equal: true, [p.rawValue])]
            if let r = m.ports {
                x.append(.payload(.transport, offset: 2, length: 2, into: r0))
                x.append(r.low == r.high ? .compare(r0, equal: true, RoutedSets.bigEndian(r.low))
                                         : .range(r0, from: RoutedSets.bigEndian(r.low), to: RoutedSets.bigEndian(r.high)))
            }
        }
        switch m.verdict {
        case .target(let t): x.append(.verdict(RoutedSets.verdict(t)))
        case .policy(let p): x += policy(p.action, logPrefix: p.logPrefix)
        }
        return x
    }

    /// `destination(m)` written in place: the same bytes (`NFTRuleEncodingTests`).
    static func write(_ m: DestinationMatch, _ w: NFTRuleWriter) {
        w.meta(.nfproto, into: r0)
        w.compare(r0, equal: true, bigEndian: UInt8(m.v6 ? 10 : 2))
        w.payload(.network, offset: m.v6 ? 24 : 16, length: m.v6 ? 16 : 4, into: r0)
        if let len = m.prefixLength {
            if m.v6 {
                if len < 128 { w.mask(r0, bigEndian: ~(UInt128.max >> len)) }
                w.compare(r0, equal: true, bigEndian: m.first)
            } else {
                if len < 32 { w.mask(r0, bigEndian: ~(UInt32.max >> len)) }
                w.compare(r0, equal: true, bigEndian: UInt32(truncatingIfNeeded: m.first))
            }
        } else if m.v6 {
            w.range(r0, bigEndian: m.first, m.last)
        } else {
            w.range(r0, bigEndian: UInt32(truncatingIfNeeded: m.first), UInt32(truncatingIfNeeded: m.last))
        }
        if let p = m.proto {
            w.meta(.l4proto, into: r0)
            w.compare(r0, equal: true, bigEndian: p.rawValue)
            if let r = m.ports {
                w.payload(.transport, offset: 2, length: 2, into: r0)
                if r.low == r.high { w.compare(r0, equal: true, bigEndian: r.low) } else { w.range(r0, bigEndian: r.low, r.high) }
            }
        }
        switch m.verdict {
        case .target(let t): w.verdict(RoutedSets.verdict(t))
        case .policy(let p):
            w.counter()
            if let prefix = p.logPrefix { w.log(prefix: prefix) }
            w.verdict(p.action == .allow ? .accept : .drop)
        }
    }

    /// `counter [log prefix "..."] accept|drop`: chain `pN`, chain `unmatched`, or a policy
    /// folded into a destination rule.
    static func policy(_ action: PolicyAction, logPrefix: String?) -> [NFTExpression] {
        var x: [NFTExpression] = [.counter]
        if let logPrefix { x.append(.log(prefix: logPrefix)) }
        return x + [.verdict(action == .allow ? .accept : .drop)]
    }
}

/// Programs table `inet routed` through one `NFTablesSocket`: the first call (or `replace`)
/// loads everything atomically, later calls send only the diff from what was last applied.
/// On any refusal nothing changes in the kernel and `applied` keeps the previous layout.
public final class RulesetProgrammer {
    public let socket: NFTablesSocket
    public private(set) var applied: TableLayout?

    public init(socket: NFTablesSocket) { self.socket = socket }

    /// `nft -f` of `nftReplaceText()`, through libnftnl: adopts or replaces any existing table.
    public func replace(with t: TableLayout) throws(NFTablesError) {
        let b = NFTBatch(family: .inet, table: TableLayout.table)
        try RulesetProgram.replace(with: t, into: b)
        try socket.apply(b)
        applied = t
    }

    public func replace(with r: Ruleset) throws(NFTablesError) { try replace(with: r.layout) }

    /// Brings the kernel to `t`: the diff from the last applied layout, or a full replace.
    public func program(_ t: TableLayout) throws(NFTablesError) {
        guard let old = applied else { return try replace(with: t) }
        try apply(RulesetDiff(from: old, to: t), giving: t)
    }

    public func program(_ r: Ruleset) throws(NFTablesError) { try program(r.layout) }

    /// Sends a diff the caller computed and keeps track of nothing (the caller holds the layout).
    public func send(_ d: RulesetDiff) throws(NFTablesError) {
        guard !d.isEmpty else { return }
        let b = NFTBatch(family: .inet, table: TableLayout.table)
        try RulesetProgram.update(d, into: b)
        try socket.apply(b)
    }

    /// Sends a diff the caller computed (from the change itself) and records `result` as applied.
    public func apply(_ d: RulesetDiff, giving result: TableLayout) throws(NFTablesError) {
        guard !d.isEmpty else { applied = result; return }
        let b = NFTBatch(family: .inet, table: TableLayout.table)
        try RulesetProgram.update(d, into: b)
        try socket.apply(b)
        applied = result
    }
}
