public import IPAddressing

/// An IP protocol as the verdict maps key it (nft `meta l4proto`, type `inet_proto`).
public enum IPProtocolNumber: UInt8, Hashable, Comparable, Sendable, CaseIterable {
    case icmp = 1, tcp = 6, udp = 17, icmpv6 = 58
    /// nft's name for it.
    public var nftName: String {
        switch self { case .icmp: "icmp"; case .tcp: "tcp"; case .udp: "udp"; case .icmpv6: "ipv6-icmp" }
    }
    /// The protocols a policy's `--proto` stands for (`icmp` means ICMP and ICMPv6).
    public static func matching(_ p: L4Protocol) -> [IPProtocolNumber] {
        switch p { case .tcp: [.tcp]; case .udp: [.udp]; case .icmp: [.icmp, .icmpv6] }
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a verdict map element does: accept straight away (same network, pseudo-network
/// traffic; nft `goto pass`) or go to a policy's chain (counter, optional log, verdict;
/// nft `goto p7`).
public enum Verdict: Hashable, Comparable, Sendable {
    case accept
    case policy(PolicyID)
}

/// Key of map `vany`: (source network, destination network) — nft `mark . mark`.
public struct PairKey: Hashable, Comparable, Sendable {
    public var src: NetworkID, dst: NetworkID
    public init(_ src: NetworkID, _ dst: NetworkID) { self.src = src; self.dst = dst }
    public static func < (l: Self, r: Self) -> Bool { (l.src, l.dst) < (r.src, r.dst) }
}

/// Key of map `vproto`: nft `mark . mark . inet_proto`.
public struct ProtoKey: Hashable, Comparable, Sendable {
    public var pair: PairKey, proto: IPProtocolNumber
    public init(_ pair: PairKey, _ proto: IPProtocolNumber) { self.pair = pair; self.proto = proto }
    public static func < (l: Self, r: Self) -> Bool { (l.pair, l.proto) < (r.pair, r.proto) }
}

/// Key of interval map `vports`: nft `mark . mark . inet_proto . inet_service`; the port
/// ranges of one (pair, protocol) never overlap.
public struct PortKey: Hashable, Comparable, Sendable {
    public var pair: PairKey, proto: IPProtocolNumber, ports: PortRange
    public init(_ pair: PairKey, _ proto: IPProtocolNumber, _ ports: PortRange) {
        self.pair = pair; self.proto = proto; self.ports = ports
    }
    public static func < (l: Self, r: Self) -> Bool { (l.pair, l.proto, l.ports) < (r.pair, r.proto, r.ports) }
}

/// One policy's chain `pN`: its counter, an optional log and its verdict.
public struct PolicyChain: Hashable, Sendable {
    public var id: PolicyID
    public var action: PolicyAction
    public var log: Bool
    /// The rule as typed, kept as the chain's comment.
    public var comment: String
}

/// One element of one of the ruleset's sets or maps: the unit of an incremental update.
public enum RulesetElement: Hashable, Comparable, Sendable {
    /// `addr4`: addresses → network id.
    case address4(AddressInterval<UInt32>)
    /// `addr6`: addresses → network id.
    case address6(AddressInterval<UInt128>)
    case pair(PairKey, Verdict)
    case proto(ProtoKey, Verdict)
    case port(PortKey, Verdict)
    /// `workloads`: interfaces whose source addresses are checked.
    case workload(ifname: String)
    /// `spoof4`: interface . its endpoint's IPv4 address.
    case spoof4(ifname: String, IPv4Address)
    /// `spoof6`: interface . its endpoint's IPv6 address.
    case spoof6(ifname: String, IPv6Address)

    /// The nft set or map the element lives in.
    public var setName: String {
        switch self {
        case .address4: "addr4"; case .address6: "addr6"; case .pair: "vany"; case .proto: "vproto"
        case .port: "vports"; case .workload: "workloads"; case .spoof4: "spoof4"; case .spoof6: "spoof6"
        }
    }

    private var order: (Int, String) {
        switch self {
        case .address4(let i): (0, "\(i.first)")
        case .address6(let i): (1, "\(i.first)")
        case .pair(let k, _): (2, "\(k.src.rawValue).\(k.dst.rawValue)")
        case .proto(let k, _): (3, "\(k.pair.src.rawValue).\(k.pair.dst.rawValue).\(k.proto.rawValue)")
        case .port(let k, _): (4, "\(k.pair.src.rawValue).\(k.pair.dst.rawValue).\(k.proto.rawValue).\(k.ports.low)")
        case .workload(let n): (5, n)
        case .spoof4(let n, let a): (6, "\(n) \(a.value)")
        case .spoof6(let n, let a): (7, "\(n) \(a)")
        }
    }
    public static func < (l: Self, r: Self) -> Bool { l.order < r.order }
}

/// Two networks claiming the same prefix; `kept` holds it in the ruleset.
public struct MembershipConflict: Hashable, Sendable {
    public var prefix: String
    public var kept: NetworkID
    public var dropped: NetworkID
    public init(prefix: String, kept: NetworkID, dropped: NetworkID) {
        self.prefix = prefix; self.kept = kept; self.dropped = dropped
    }
}

/// The compiled ruleset of table `inet routed`: value types only, no I/O.
///
/// Per packet (forward hook; input and output use `host` for their own side) the cost is constant,
/// whatever the number of endpoints, networks and policies:
/// 1. `ct state established,related accept` (replies of allowed connections);
/// 2. source and destination address → network id (interval maps `addr4`/`addr6`, total: every
///    address maps, `world` where no network holds it);
/// 3. at most three verdict-map lookups, most specific first: `vports` (src, dst, proto, dport),
///    `vproto` (src, dst, proto), `vany` (src, dst); the first hit goes to a policy chain;
/// 4. otherwise the default action.
/// Anti-spoofing runs before all of that, at prerouting: a packet arriving on a workload
/// interface must carry (interface . source address) found in `spoof4`/`spoof6`.
public struct Ruleset: Hashable, Sendable {
    public var addresses4: [AddressInterval<UInt32>] = []
    public var addresses6: [AddressInterval<UInt128>] = []
    public var pairVerdicts: [PairKey: Verdict] = [:]
    public var protoVerdicts: [ProtoKey: Verdict] = [:]
    public var portVerdicts: [PortKey: Verdict] = [:]
    public var policyChains: [PolicyID: PolicyChain] = [:]
    public var workloadInterfaces: Set<String> = []
    public var antiSpoof4: Set<InterfaceAddress<IPv4Address>> = []
    public var antiSpoof6: Set<InterfaceAddress<IPv6Address>> = []
    public var defaultAction: PolicyAction = .allow
    /// Memberships that could not both be honoured (not part of the nft ruleset).
    public var conflicts: [MembershipConflict] = []

    public init() {}

    /// Every set and map element, sorted: what an incremental update compares.
    public var elements: [RulesetElement] {
        var out: [RulesetElement] = []
        out += addresses4.map { .address4($0) }
        out += addresses6.map { .address6($0) }
        out += pairVerdicts.keys.sorted().map { .pair($0, pairVerdicts[$0]!) }
        out += protoVerdicts.keys.sorted().map { .proto($0, protoVerdicts[$0]!) }
        out += portVerdicts.keys.sorted().map { .port($0, portVerdicts[$0]!) }
        out += workloadInterfaces.sorted().map { .workload(ifname: $0) }
        out += antiSpoof4.sorted().map { .spoof4(ifname: $0.ifname, $0.address) }
        out += antiSpoof6.sorted().map { .spoof6(ifname: $0.ifname, $0.address) }
        return out
    }

    /// The network an address maps to (what the kernel's `addr4` lookup returns).
    public func network(of address: IPv4Address) -> NetworkID {
        var lo = 0, hi = addresses4.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2, i = addresses4[mid]
            if address.value < i.first { hi = mid - 1 } else if address.value > i.last { lo = mid + 1 } else { return i.network }
        }
        return .world
    }

    /// The verdict the maps give a packet (src network, dst network, protocol, destination
    /// port): what the `classify` chain computes. `nil` means the default action applies.
    public func verdict(src: NetworkID, dst: NetworkID, proto: IPProtocolNumber, port: UInt16?) -> Verdict? {
        let pair = PairKey(src, dst)
        if let port, let hit = portVerdicts.first(where: {
            $0.key.pair == pair && $0.key.proto == proto && ($0.key.ports.low...$0.key.ports.high).contains(port)
        }) { return hit.value }
        if let v = protoVerdicts[ProtoKey(pair, proto)] { return v }
        return pairVerdicts[pair]
    }
}

/// An (interface, address) pair of the anti-spoofing sets.
public struct InterfaceAddress<Address: Hashable & Comparable & Sendable>: Hashable, Comparable, Sendable {
    public var ifname: String
    public var address: Address
    public init(_ ifname: String, _ address: Address) { self.ifname = ifname; self.address = address }
    public static func < (l: Self, r: Self) -> Bool { (l.ifname, l.address) < (r.ifname, r.address) }
}
