public import IPAddressing

/// Which prefixes belong to which network: every host's blocks of that network (learnt from
/// the RIB, where the block's BGP large community `ASN:1:network-id` names the network) and
/// /32 or /128 prefixes of addresses placed outside their network's block. The pseudo-network
/// `host` holds the hosts' own addresses; `world` holds nothing (it is what nobody holds).
public struct Memberships: Hashable, Sendable {
    public private(set) var prefixes: [NetworkID: Set<IPPrefix>] = [:]
    public init() {}

    public mutating func insert(_ prefix: IPPrefix, into network: NetworkID) throws(PolicyError) {
        guard network != .world, network != .none else { throw .memberOfPseudoNetwork(.world) }
        prefixes[network, default: []].insert(prefix)
    }

    public mutating func remove(_ prefix: IPPrefix, from network: NetworkID) {
        prefixes[network]?.remove(prefix)
        if prefixes[network]?.isEmpty == true { prefixes[network] = nil }
    }

    /// Every (prefix, network) pair.
    public var all: [(IPPrefix, NetworkID)] {
        prefixes.flatMap { id, set in set.map { ($0, id) } }
    }
}

/// A workload interface on this host and the addresses its endpoint owns: a packet arriving on
/// `ifname` must carry one of `addresses` as source (anti-spoofing), and each address is a
/// member of `network`.
public struct LocalEndpoint: Hashable, Sendable {
    /// The host-side veth name (≤ 15 characters, IFNAMSIZ).
    public var ifname: String
    public var addresses: [IPAddress]
    public var network: NetworkID
    public init(ifname: String, addresses: [IPAddress], network: NetworkID) {
        self.ifname = ifname; self.addresses = addresses; self.network = network
    }
}
