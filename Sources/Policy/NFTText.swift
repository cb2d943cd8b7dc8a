import IPAddressing

/// The ruleset as `nft -f` text (nftables 1.0.6 syntax), for humans (`routed policy list --nft`)
/// and tests. The kernel programming path is libnftnl; this text describes the same objects.
///
/// nft's grammar cannot concatenate two map lookups (`ip saddr map @addr4 . ip daddr map @addr4`
/// is a syntax error), so the text form carries the two network ids in `meta mark` (source) and
/// `ct mark` (destination) between the lookups, and chain `pass` clears both before accepting.
/// With libnftnl the lookups write straight into kernel registers and no mark is touched.
extension Ruleset {
    public static let table = "routed"
    public static let family = "inet"

    /// `table inet routed { ... }`.
    public func nftText() -> String {
        var t = "table inet routed {\n"
        t += set("addr4", type: "ipv4_addr : mark", flags: "interval", addresses4.map(Self.element))
        t += set("addr6", type: "ipv6_addr : mark", flags: "interval", addresses6.map(Self.element))
        t += set("vports", type: "mark . mark . inet_proto . inet_service : verdict", flags: "interval",
                 portVerdicts.keys.sorted().map { Self.element(.port($0, portVerdicts[$0]!)) })
        t += set("vproto", type: "mark . mark . inet_proto : verdict", flags: nil,
                 protoVerdicts.keys.sorted().map { Self.element(.proto($0, protoVerdicts[$0]!)) })
        t += set("vany", type: "mark . mark : verdict", flags: nil,
                 pairVerdicts.keys.sorted().map { Self.element(.pair($0, pairVerdicts[$0]!)) })
        t += set("workloads", type: "ifname", flags: nil, workloadInterfaces.sorted().map { "\"\($0)\"" })
        t += set("spoof4", type: "ifname . ipv4_addr", flags: nil, antiSpoof4.sorted().map { Self.element(.spoof4(ifname: $0.ifname, $0.address)) })
        t += set("spoof6", type: "ifname . ipv6_addr", flags: nil, antiSpoof6.sorted().map { Self.element(.spoof6(ifname: $0.ifname, $0.address)) })
        t += chain("pass", [Self.passRule])
        for id in policyChains.keys.sorted() {
            let c = policyChains[id]!
            t += chain(id.chainName, Self.rules(of: c), comment: c.comment)
        }
        t += chain("classify", Self.classifyRules(defaultAction))
        t += chain("prerouting", hook: "prerouting", [
            "meta nfproto ipv4 iifname @workloads iifname . ip saddr != @spoof4 counter drop",
            "meta nfproto ipv6 iifname @workloads ip6 saddr != { ::, fe80::/10 } iifname . ip6 saddr != @spoof6 counter drop",
        ])
        t += chain("forward", hook: "forward", [
            "ct state established,related accept",
            "meta nfproto ipv4 meta mark set ip saddr map @addr4 ct mark set ip daddr map @addr4 goto classify",
            "meta nfproto ipv6 meta mark set ip6 saddr map @addr6 ct mark set ip6 daddr map @addr6 goto classify",
        ])
        t += chain("input", hook: "input", [
            "iif \"lo\" accept",
            "ct state established,related accept",
            "meta nfproto ipv4 meta mark set ip saddr map @addr4 ct mark set \(NetworkID.host) goto classify",
            "meta nfproto ipv6 meta mark set ip6 saddr map @addr6 ct mark set \(NetworkID.host) goto classify",
        ])
        t += chain("output", hook: "output", [
            "oif \"lo\" accept",
            "ct state established,related accept",
            "meta nfproto ipv4 meta mark set \(NetworkID.host) ct mark set ip daddr map @addr4 goto classify",
            "meta nfproto ipv6 meta mark set \(NetworkID.host) ct mark set ip6 daddr map @addr6 goto classify",
        ])
        return t + "}\n"
    }

    /// Replaces the whole table in one transaction (`nft -f`): creates it if missing, deletes
    /// it, and builds it again — no moment without filtering, other tables untouched.
    public func nftReplaceText() -> String {
        "table inet routed\ndelete table inet routed\n" + nftText()
    }

    static let passRule = "meta mark set 0x00000000 ct mark set 0x00000000 accept"

    static func rules(of c: PolicyChain) -> [String] {
        let log = c.log ? " log prefix \"routed \(c.id.chainName) \(c.action.rawValue) \"" : ""
        switch c.action {
        case .allow: return ["counter\(log) goto pass"]
        case .deny: return ["counter\(log) drop"]
        }
    }

    static func classifyRules(_ d: PolicyAction) -> [String] {
        [
            "meta mark . ct mark . meta l4proto . th dport vmap @vports",
            "meta mark . ct mark . meta l4proto vmap @vproto",
            "meta mark . ct mark vmap @vany",
            d == .allow ? "counter goto pass" : "counter drop",
        ]
    }

    /// An element as it appears between `{ }` in `nft add element`.
    public static func element(_ e: RulesetElement) -> String {
        switch e {
        case .address4(let i): return "\(key(i)) : \(i.network)"
        case .address6(let i): return "\(key(i)) : \(i.network)"
        case .pair(let k, let v): return "\(key(k)) : \(verdict(v))"
        case .proto(let k, let v): return "\(key(k)) : \(verdict(v))"
        case .port(let k, let v): return "\(key(k)) : \(verdict(v))"
        case .workload(let n): return "\"\(n)\""
        case .spoof4(let n, let a): return "\"\(n)\" . \(a)"
        case .spoof6(let n, let a): return "\"\(n)\" . \(a)"
        }
    }

    /// An element's key alone, as `nft delete element` takes it.
    public static func elementKey(_ e: RulesetElement) -> String {
        switch e {
        case .address4(let i): key(i)
        case .address6(let i): key(i)
        case .pair(let k, _): key(k)
        case .proto(let k, _): key(k)
        // nft 1.0.6 finds a single port of a concatenated interval map only when written N-N.
        case .port(let k, _): "\(key(k.pair)) . \(k.proto.nftName) . \(k.ports.low)-\(k.ports.high)"
        default: element(e)
        }
    }

    static func element(_ i: AddressInterval<UInt32>) -> String { element(.address4(i)) }
    static func element(_ i: AddressInterval<UInt128>) -> String { element(.address6(i)) }

    static func key(_ i: AddressInterval<UInt32>) -> String {
        let a = IPv4Address(i.first)
        if let len = i.prefixLength { return len == 32 ? "\(a)" : "\(a)/\(len)" }
        return "\(a)-\(IPv4Address(i.last))"
    }
    static func key(_ i: AddressInterval<UInt128>) -> String {
        func addr(_ v: UInt128) -> IPv6Address { IPv6Address(high: UInt64(v >> 64), low: UInt64(truncatingIfNeeded: v)) }
        if let len = i.prefixLength { return len == 128 ? "\(addr(i.first))" : "\(addr(i.first))/\(len)" }
        return "\(addr(i.first))-\(addr(i.last))"
    }
    static func key(_ k: PairKey) -> String { "\(k.src) . \(k.dst)" }
    static func key(_ k: ProtoKey) -> String { "\(key(k.pair)) . \(k.proto.nftName)" }
    static func key(_ k: PortKey) -> String { "\(key(k.pair)) . \(k.proto.nftName) . \(k.ports)" }
    static func verdict(_ v: Verdict) -> String {
        switch v { case .accept: "goto pass"; case .policy(let id): "goto \(id.chainName)" }
    }

    private func set(_ name: String, type: String, flags: String?, _ elements: [String]) -> String {
        let kind = type.contains(" : ") ? "map" : "set"
        var s = "\t\(kind) \(name) {\n\t\ttype \(type)\n"
        if let flags { s += "\t\tflags \(flags)\n" }
        if !elements.isEmpty { s += "\t\telements = { " + elements.joined(separator: ",\n\t\t\t     ") + " }\n" }
        return s + "\t}\n\n"
    }

    private func chain(_ name: String, hook: String? = nil, _ rules: [String], comment: String? = nil) -> String {
        var s = "\tchain \(name) {\n"
        if let comment { s += "\t\tcomment \"\(comment)\"\n" }
        if let hook { s += "\t\ttype filter hook \(hook) priority filter; policy accept;\n" }
        for r in rules { s += "\t\t\(r)\n" }
        return s + "\t}\n\n"
    }
}

extension RulesetDiff {
    /// The changes as one `nft -f` transaction against table `inet routed`.
    public func nftText() -> String {
        var t = ""
        for c in addedChains {
            t += "add chain inet routed \(c.id.chainName) { comment \"\(c.comment)\"; }\n"
            for r in Ruleset.rules(of: c) { t += "add rule inet routed \(c.id.chainName) \(r)\n" }
        }
        for c in changedChains {
            t += "flush chain inet routed \(c.id.chainName)\n"
            for r in Ruleset.rules(of: c) { t += "add rule inet routed \(c.id.chainName) \(r)\n" }
        }
        for e in deletedElements { t += "delete element inet routed \(e.setName) { \(Ruleset.elementKey(e)) }\n" }
        for e in addedElements { t += "add element inet routed \(e.setName) { \(Ruleset.element(e)) }\n" }
        if let d = newDefault {
            t += "flush chain inet routed classify\n"
            for r in Ruleset.classifyRules(d) { t += "add rule inet routed classify \(r)\n" }
        }
        for id in deletedChains { t += "delete chain inet routed \(id.chainName)\n" }
        return t
    }
}
