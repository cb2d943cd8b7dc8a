import IPAddressing

/// Table `inet routed` as `nft -f` text (nftables 1.0.6 syntax), for humans
/// (`routed policy list --nft`), tests and golden files. The kernel is programmed through
/// libnftnl (`PolicyKernel`) with exactly the objects and expressions this text makes nft
/// generate, so `nft list table inet routed` prints back what is written here.
extension TableLayout {
    public static let table = "routed"
    public static let family = "inet"

    /// Maps in the order they are declared: the global ones, then by name.
    public var orderedMapNames: [String] {
        let first = ["src4", "src6", "to-host4", "to-host6", "workloads", "spoof4", "spoof6"]
        return first.filter { maps[$0] != nil } + maps.keys.filter { !first.contains($0) }.sorted()
    }

    /// Chains in dependency order: policy chains, `unmatched`, pair chains, source chains, hooks.
    public var orderedChainNames: [String] {
        func rank(_ n: String) -> (Int, UInt32, String) {
            if n.hasPrefix("p"), let id = UInt32(n.dropFirst()) { return (0, id, n) }
            if n == TableLayout.unmatched { return (1, 0, n) }
            if n.hasPrefix("pair-") { return (2, 0, n) }
            if n.hasPrefix("from-") { return (3, 0, n) }
            if let h = LayoutHook(rawValue: n) { return (4, UInt32(LayoutHook.allCases.firstIndex(of: h)!), n) }
            return (5, 0, n)
        }
        // Ranks computed once per name, not once per comparison (3,000+ chains at scale).
        return chains.keys.map { (rank($0), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// `table inet routed { ... }`.
    public func nftText() -> String {
        var t = "table inet routed {\n"
        for name in orderedMapNames {
            let m = maps[name]!
            t += "\t\(m.kind.isMap ? "map" : "set") \(name) {\n\t\ttype \(m.kind.nftType)\n"
            if let size = m.kind.size { t += "\t\tsize \(size)\n" }
            if m.kind.isInterval { t += "\t\tflags interval\n" }
            if !m.elements.isEmpty {
                t += "\t\telements = { " + LayoutElement.ordered(m.elements).map(\.nftText).joined(separator: ",\n\t\t\t     ") + " }\n"
            }
            t += "\t}\n\n"
        }
        for name in orderedChainNames {
            let c = chains[name]!
            t += "\tchain \(name) {\n"
            if let comment = c.comment { t += "\t\tcomment \"\(comment)\"\n" }
            if let hook = c.hook { t += "\t\ttype filter hook \(hook.rawValue) priority filter; policy accept;\n" }
            for r in c.rules { t += "\t\t\(r.nftText)\n" }
            t += "\t}\n\n"
        }
        return t + "}\n"
    }

    /// Replaces the whole table in one transaction (`nft -f`): creates it if missing, deletes
    /// it, and builds it again — no moment without filtering, other tables untouched.
    public func nftReplaceText() -> String {
        "table inet routed\ndelete table inet routed\n" + nftText()
    }
}

extension LayoutMapKind {
    /// nft's `type` line.
    public var nftType: String {
        switch self {
        case .address4: "ipv4_addr : verdict"
        case .address6: "ipv6_addr : verdict"
        case .ports: "inet_proto . inet_service : verdict"
        case .protos: "inet_proto : verdict"
        case .workloads: "ifname"
        case .spoof4: "ifname . ipv4_addr"
        case .spoof6: "ifname . ipv6_addr"
        }
    }
    public var isInterval: Bool { switch self { case .address4, .address6, .ports: true; default: false } }
}

extension LayoutRule {
    /// The rule as `nft list` prints it (in an `inet` table the `meta nfproto` dependency of
    /// `ip saddr` is implied).
    public var nftText: String {
        switch self {
        case .acceptEstablished: "ct state established,related accept"
        case .acceptLoopback(let input): input ? "iif \"lo\" accept" : "oif \"lo\" accept"
        case .antiSpoof(let v6):
            // The family first: a packet of the other family costs one compare, not a lookup in
            // `workloads` (nft lists both rules without it: it is the rule's own dependency).
            v6 ? "meta nfproto ipv6 iifname @workloads ip6 saddr != :: ip6 saddr != fe80::/10 iifname . ip6 saddr != @spoof6 counter drop"
               : "meta nfproto ipv4 iifname @workloads iifname . ip saddr != @spoof4 counter drop"
        case .sourceVmap(let v6, let map): "\(v6 ? "ip6" : "ip") saddr vmap @\(map)"
        case .destinationVmap(let v6, let map): "\(v6 ? "ip6" : "ip") daddr vmap @\(map)"
        case .portVmap(let map): "meta l4proto . th dport vmap @\(map)"
        case .protoVmap(let map): "meta l4proto vmap @\(map)"
        case .destination(let m): m.nftText
        case .target(let t): "\(t)"
        case .count(let action, let log):
            "counter " + (log.map { "log prefix \"\($0)\" " } ?? "") + (action == .allow ? "accept" : "drop")
        }
    }
}

extension LayoutElement {
    /// The element as it appears between `{ }` in `nft add element` and in `nft list`.
    public var nftText: String {
        switch self {
        case .address4(_, _, let to), .address6(_, _, let to), .port(_, _, let to), .proto(_, let to): "\(nftKey) : \(to)"
        default: nftKey
        }
    }

    /// The key alone. `deleteKey` is how `nft delete element` takes it.
    public var nftKey: String {
        switch self {
        case .address4(let f, let l, _): Self.range4(f, l)
        case .address6(let f, let l, _): Self.range6(f, l)
        case .port(let p, let r, _): "\(p.nftName) . \(r)"
        case .proto(let p, _): p.nftName
        case .workload(let n): "\"\(n)\""
        case .spoof4(let n, let a): "\"\(n)\" . \(a)"
        case .spoof6(let n, let a): "\"\(n)\" . \(a)"
        }
    }

    /// nft 1.0.6 finds a single port of a concatenated interval map only when written `N-N`.
    public var deleteKey: String {
        if case .port(let p, let r, _) = self { return "\(p.nftName) . \(r.low)-\(r.high)" }
        return nftKey
    }

    static func range4(_ first: UInt32, _ last: UInt32) -> String {
        let a = IPv4Address(first)
        if let len = AddressInterval(first: first, last: last, network: .none).prefixLength { return len == 32 ? "\(a)" : "\(a)/\(len)" }
        return "\(a)-\(IPv4Address(last))"
    }
    static func range6(_ first: UInt128, _ last: UInt128) -> String {
        func addr(_ v: UInt128) -> IPv6Address { IPv6Address(high: UInt64(v >> 64), low: UInt64(truncatingIfNeeded: v)) }
        if let len = AddressInterval(first: first, last: last, network: .none).prefixLength { return len == 128 ? "\(addr(first))" : "\(addr(first))/\(len)" }
        return "\(addr(first))-\(addr(last))"
    }
}

extension Ruleset {
    public static let table = TableLayout.table
    public static let family = TableLayout.family
    /// `table inet routed { ... }` of this ruleset's layout.
    public func nftText() -> String { layout.nftText() }
    /// The atomic replacement of the table (see `TableLayout.nftReplaceText`).
    public func nftReplaceText() -> String { layout.nftReplaceText() }
}

extension RulesetDiff {
    /// The changes as one `nft -f` transaction against table `inet routed`, in the order of
    /// `RulesetDiff`'s doc comment.
    public func nftText() -> String {
        var t = ""
        // Chains before maps (see `RulesetProgram.update`).
        for name in addedChains.keys.sorted() {
            let c = addedChains[name]!
            t += "add chain inet routed \(name)" + (c.comment.map { " { comment \"\($0)\"; }" } ?? "") + "\n"
        }
        for name in addedMaps.keys.sorted() {
            let k = addedMaps[name]!
            t += "add \(k.isMap ? "map" : "set") inet routed \(name) { type \(k.nftType);\(k.size.map { " size \($0);" } ?? "")\(k.isInterval ? " flags interval;" : "") }\n"
        }
        for name in (Array(changedChains.keys) + deletedChains).sorted() { t += "flush chain inet routed \(name)\n" }
        for name in deletedElements.keys.sorted() {
            let keys = LayoutElement.ordered(deletedElements[name]!).map(\.deleteKey)
            t += "delete element inet routed \(name) { \(keys.joined(separator: ", ")) }\n"
        }
        for name in addedElements.keys.sorted() {
            let els = LayoutElement.ordered(addedElements[name]!).map(\.nftText)
            t += "add element inet routed \(name) { \(els.joined(separator: ", ")) }\n"
        }
        for (name, c) in (addedChains.merging(changedChains) { a, _ in a }).sorted(by: { $0.key < $1.key }) {
            for r in c.rules { t += "add rule inet routed \(name) \(r.nftText)\n" }
        }
        for name in deletedMaps.sorted() { t += "delete \(deletedMapKinds[name]?.isMap == false ? "set" : "map") inet routed \(name)\n" }
        for name in deletedChains.sorted() { t += "delete chain inet routed \(name)\n" }
        return t
    }
}
