public import IPAddressing

/// A named network and its stable 32-bit id (the `ASN:1:network-id` large community names it).
public struct NetworkRecord: Hashable, Sendable, Codable {
    public var name: String
    public var id: UInt32
    public init(name: String, id: UInt32) { self.name = name; self.id = id }
}

/// An endpoint (a container's veth) as the agent records it: the names CNI and libnetwork need
/// for idempotent ADD/DEL (container id, namespace path, interface name) and its addresses.
public struct EndpointRecord: Hashable, Sendable {
    public var name: String
    public var network: String
    public var host: String
    public var addresses: [IPAddress]
    /// Namespace path (`/proc/PID/ns/net`, `/run/netns/NAME`).
    public var netns: String
    /// Interface name inside the namespace (`eth0`).
    public var ifname: String
    /// The container runtime's id (CNI `CNI_CONTAINERID`, libnetwork's endpoint id), or nil when
    /// the caller gave none (`routed endpoint add`).
    public var containerID: String?

    public init(name: String, network: String, host: String, addresses: [IPAddress], netns: String = "", ifname: String = "eth0",
                containerID: String? = nil) {
        self.name = name; self.network = network; self.host = host
        self.addresses = addresses; self.netns = netns; self.ifname = ifname; self.containerID = containerID
    }
}

/// A network policy as stored: opaque to IPAM; the Policy engine gives it meaning
/// (`routed policy deny lamp lnmp --proto tcp --port 80-443 --one-way`).
public struct PolicyRecord: Hashable, Sendable, Codable {
    public enum Action: String, Hashable, Sendable, Codable { case allow, deny }
    /// Assigned by the store on insert (0 before).
    public var id: Int64
    public var from: String
    public var to: String
    public var action: Action
    /// `tcp`, `udp`, `icmp`, or nil for any.
    public var proto: String?
    public var portLow: UInt16?
    public var portHigh: UInt16?
    public var oneWay: Bool
    /// `--log`: matching packets are also logged (`log prefix "routed pN deny "` in nft).
    public var log: Bool

    public init(id: Int64 = 0, from: String, to: String, action: Action, proto: String? = nil,
                portLow: UInt16? = nil, portHigh: UInt16? = nil, oneWay: Bool = false, log: Bool = false) {
        self.id = id; self.from = from; self.to = to; self.action = action
        self.proto = proto; self.portLow = portLow; self.portHigh = portHigh; self.oneWay = oneWay; self.log = log
    }

    enum CodingKeys: String, CodingKey { case id, from, to, action, proto, portLow, portHigh, oneWay, log }

    /// Records written before the log flag existed (etcd JSON without `log`) read as `log: false`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(Int64.self, forKey: .id), from: try c.decode(String.self, forKey: .from),
                  to: try c.decode(String.self, forKey: .to), action: try c.decode(Action.self, forKey: .action),
                  proto: try c.decodeIfPresent(String.self, forKey: .proto),
                  portLow: try c.decodeIfPresent(UInt16.self, forKey: .portLow),
                  portHigh: try c.decodeIfPresent(UInt16.self, forKey: .portHigh),
                  oneWay: try c.decodeIfPresent(Bool.self, forKey: .oneWay) ?? false,
                  log: try c.decodeIfPresent(Bool.self, forKey: .log) ?? false)
    }
}

/// A host (agent), when it last renewed its lease (seconds, the caller's clock), and where its
/// BGP speaker accepts sessions, so `routed start --mesh` on the other hosts can peer with it.
public struct HostRecord: Hashable, Sendable {
    public var name: String
    public var lastSeen: Int64
    /// The host's BGP address (its listen address, or its router id when it listens on every
    /// address); nil while the host is not taking part in the mesh (registered by a tool, or after
    /// a clean stop).
    public var bgpAddress: IPAddress?
    /// The TCP port of its BGP listener (179 unless `--listen ADDR:PORT`).
    public var bgpPort: UInt16

    public static let defaultBGPPort: UInt16 = 179

    public init(name: String, lastSeen: Int64, bgpAddress: IPAddress? = nil, bgpPort: UInt16 = HostRecord.defaultBGPPort) {
        self.name = name; self.lastSeen = lastSeen; self.bgpAddress = bgpAddress; self.bgpPort = bgpPort
    }
}

/// What changed in a datastore, as a watcher sees it. Watchers re-read what they care about.
public enum DatastoreChange: Hashable, Sendable {
    case pool(String)
    case block(IPPrefix)
    case network(String)
    case endpoint(String)
    case policy(Int64)
    case host(String)
}
