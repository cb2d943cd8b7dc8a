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

    public init(name: String, network: String, host: String, addresses: [IPAddress], netns: String = "", ifname: String = "eth0") {
        self.name = name; self.network = network; self.host = host
        self.addresses = addresses; self.netns = netns; self.ifname = ifname
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

    public init(id: Int64 = 0, from: String, to: String, action: Action, proto: String? = nil,
                portLow: UInt16? = nil, portHigh: UInt16? = nil, oneWay: Bool = false) {
        self.id = id; self.from = from; self.to = to; self.action = action
        self.proto = proto; self.portLow = portLow; self.portHigh = portHigh; self.oneWay = oneWay
    }
}

/// A host (agent) and when it last renewed its lease (seconds, the caller's clock).
public struct HostRecord: Hashable, Sendable, Codable {
    public var name: String
    public var lastSeen: Int64
    public init(name: String, lastSeen: Int64) { self.name = name; self.lastSeen = lastSeen }
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
