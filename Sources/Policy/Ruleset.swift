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

/// What an entry decides: accept straight away (same network, pseudo-network traffic; nft
/// `accept`) or go to a policy's chain (counter, optional log, verdict; nft `goto p7`).
public enum Verdict: Hashable, Comparable, Sendable {
    case accept
    case policy(PolicyID)
}

/// (source network, destination network).
public struct PairKey: Hashable, Comparable, Sendable {
    public var src: NetworkID, dst: NetworkID
    public init(_ src: NetworkID, _ dst: NetworkID) { self.src = src; self.dst = dst }
    public static func < (l: Self, r: Self) -> Bool { (l.src, l.dst) < (r.src, r.dst) }
}

/// (source network, destination network, protocol).
public struct ProtoKey: Hashable, Comparable, Sendable {
    public var pair: PairKey, proto: IPProtocolNumber
    public init(_ pair: PairKey, _ proto: IPProtocolNumber) { self.pair = pair; self.proto = proto }
    public static func < (l: Self, r: Self) -> Bool { (l.pair, l.proto) < (r.pair, r.proto) }
}

/// (source network, destination network, protocol, destination port range); the port ranges
/// of one (pair, protocol) never overlap.
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

/// Two networks claiming the same prefix; `kept` holds it in the ruleset.
public struct MembershipConflict: Hashable, Sendable {
    public var prefix: String
    public var kept: NetworkID
    public var dropped: NetworkID
    public init(prefix: String, kept: NetworkID, dropped: NetworkID) {
        self.prefix = prefix; self.kept = kept; self.dropped = dropped
    }
}

/// The compiled policy: which network every address belongs to (`addresses4`/`addresses6`, a
/// total partition: `world` where no network holds an address), the verdict of every
/// (source network, destination network[, protocol[, port range]]) that is not the default,
/// the policy chains and the anti-spoofing entries. Value types only, no I/O.
///
/// The decision for a new connection from S to D (`verdict(src:dst:proto:port:)`): the most
/// specific entry — (S, D, proto, dport), then (S, D, proto), then (S, D) — else the default
/// action. `TableLayout` turns this into table `inet routed` (per-packet cost constant).
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
    /// Network names by id, for the comments of the chains (`from lamp`, `lamp to lnmp`).
    public var networkNames: [NetworkID: String] = [:]

    public init() {}

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
