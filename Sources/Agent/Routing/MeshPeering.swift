import BGPSpeaker
public import IPAddressing
public import IPAM

/// `routed start --mesh`: the full iBGP mesh Calico calls node-to-node mesh, computed from the
/// hosts in the datastore. Pure: the agent feeds it the host records and the clock, and executes
/// the returned plan with `addPeer`/`removePeer`.
///
/// A host is a mesh neighbour when it is not this host (by name or by BGP address), has a BGP
/// address recorded, renewed its record less than `hostTimeout` seconds ago, and its address is
/// not already a configured peer (`--peer` or `routed peer add` win over the mesh).
public struct MeshPeering: Hashable, Sendable {
    /// Where a mesh neighbour listens.
    public struct Neighbour: Hashable, Sendable, Comparable, CustomStringConvertible {
        public var address: IPAddress
        public var port: UInt16
        /// The host's name, for the log.
        public var host: String
        public init(address: IPAddress, port: UInt16 = HostRecord.defaultBGPPort, host: String) {
            self.address = address; self.port = port; self.host = host
        }
        public static func < (a: Self, b: Self) -> Bool { (a.address, a.port, a.host) < (b.address, b.port, b.host) }
        public var description: String { port == HostRecord.defaultBGPPort ? "\(address) (\(host))" : "\(address) port \(port) (\(host))" }
    }

    /// What to change: peers to remove first (by address), then peers to add.
    public struct Plan: Hashable, Sendable {
        public var remove: [IPAddress]
        public var add: [Neighbour]
        public var isEmpty: Bool { remove.isEmpty && add.isEmpty }
    }

    public var localHost: String
    public var localAddress: IPAddress
    /// Seconds without a renewal after which a host is left out (three missed heartbeats).
    public var hostTimeout: Int64

    public init(localHost: String, localAddress: IPAddress, hostTimeout: Int64 = 30) {
        self.localHost = localHost; self.localAddress = localAddress; self.hostTimeout = hostTimeout
    }

    /// The neighbours the datastore calls for now, by address (one host per address: the most
    /// recently renewed wins when two claim the same one).
    public func neighbours(hosts: [HostRecord], now: Int64, configured: Set<IPAddress>) -> [IPAddress: Neighbour] {
        var out: [IPAddress: (Neighbour, Int64)] = [:]
        for h in hosts {
            guard h.name != localHost, let a = h.bgpAddress, a != localAddress, !configured.contains(a),
                  now - h.lastSeen < hostTimeout else { continue }
            if let seen = out[a], seen.1 >= h.lastSeen { continue }
            out[a] = (Neighbour(address: a, port: h.bgpPort, host: h.name), h.lastSeen)
        }
        return out.mapValues { $0.0 }
    }

    /// From the mesh peers in place (`current`) to the `wanted` ones: a host that left or
    /// expired is removed; one that changed address is removed at the old address and added at
    /// the new; a new port is a remove and an add of the same address.
    public static func plan(current: [IPAddress: Neighbour], wanted: [IPAddress: Neighbour]) -> Plan {
        var remove: [IPAddress] = [], add: [Neighbour] = []
        for (a, n) in current where wanted[a]?.port != n.port { remove.append(a) }
        for (a, n) in wanted where current[a]?.port != n.port { add.append(n) }
        return Plan(remove: remove.sorted(), add: add.sorted())
    }

    /// The speaker's peer for a mesh neighbour: iBGP (`as=` our AS), kind `mesh` (import `pool`,
    /// export `blocks`), retrying a refused connection every 5 s rather than RFC 4271's 120, so a
    /// host that starts a moment after its record appears is reached within seconds.
    public static func peer(_ n: Neighbour, localAS: UInt32) -> AgentPeer {
        var spec = PeerSpec(address: n.address)
        spec.remoteAS = localAS
        spec.port = Int(n.port)
        spec.connectRetryTime = 5
        return AgentPeer(spec: spec, kind: .mesh)
    }
}
