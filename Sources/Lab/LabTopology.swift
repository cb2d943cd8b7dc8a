/// Every name and address of one lab, computed from its `LabSpec` alone (pure), and saved as
/// `topology.json` in the lab directory so `status` and `down` need nothing else.
///
/// ```
///   client 198.51.100.10 ── 198.51.100.1 gateway (BIRD) 192.0.2.1 ─┐
///                                                                   ├─ br0 in rl-NAME-sw (one L2 segment)
///   host N 192.0.2.(10+N) (routed start) ── workloads (veth /32s) ───┘   [etcd 192.0.2.2]
/// ```
/// Interface names live inside the lab's own namespaces (`uplink`, `br0`, `h1`...), so two labs
/// never collide and every name stays under 15 bytes.
public struct LabTopology: Hashable, Sendable, Codable {
    public struct Host: Hashable, Sendable, Codable {
        /// `h1`, `h2`...: the hostname the agent registers and the port name on the bridge.
        public var name: String
        public var namespace: String
        public var address: String
        public var socket: String
        public var stateDirectory: String
        public var logFile: String
    }

    public struct Workload: Hashable, Sendable, Codable {
        public var name: String
        public var network: String
        public var host: Int
        public var namespace: String
    }

    public var spec: LabSpec
    /// Every namespace of this lab starts with this (`rl-NAME-`).
    public var prefix: String
    public var switchNamespace: String
    public var gatewayNamespace: String
    public var clientNamespace: String
    public var datastoreNamespace: String?
    public var hosts: [Host]
    public var workloads: [Workload]

    public static let segment = "192.0.2.0/24"
    public static let gatewayAddress = "192.0.2.1"
    public static let datastoreAddress = "192.0.2.2"
    public static let clientLinkGateway = "198.51.100.1"
    public static let clientAddress = "198.51.100.10"
    public static let hostAS: UInt32 = 64512
    /// Seconds an empty block stays announced in the lab (short, so it can be watched; the agent's default is 300).
    public static let blockReleaseGrace = 3
    public static let pool = "10.244.0.0/16"
    public static let blockLength = 26
    /// The interface every host, the gateway and the etcd namespace have on the segment.
    public static let uplink = "uplink"
    public static let bridge = "br0"

    public var gatewayAS: UInt32 { spec.peering == .gatewayReflector ? Self.hostAS : 65000 }
    public var directory: String { spec.directory }
    public var stateFile: String { directory + "/lab.state" }
    public var topologyFile: String { directory + "/topology.json" }
    public var sqliteFile: String { directory + "/routed.sqlite" }
    public var birdConfig: String { directory + "/gateway-bird.conf" }
    public var birdSocket: String { directory + "/gateway-bird.ctl" }
    public var birdLog: String { directory + "/gateway-bird.log" }
    public var etcdDirectory: String { directory + "/etcd" }
    public var etcdLog: String { directory + "/etcd.log" }
    public var etcdURL: String { "http://\(Self.datastoreAddress):2379" }

    /// The namespaces in the order they are made (the bridge first, workloads last).
    public var namespaces: [String] {
        [switchNamespace, gatewayNamespace, clientNamespace] + (datastoreNamespace.map { [$0] } ?? [])
            + hosts.map(\.namespace) + workloads.map(\.namespace)
    }

    public init(_ spec: LabSpec) {
        self.spec = spec
        prefix = "rl-\(spec.name)-"
        switchNamespace = prefix + "sw"
        gatewayNamespace = prefix + "gw"
        clientNamespace = prefix + "cl"
        datastoreNamespace = spec.datastore == .etcd ? prefix + "db" : nil
        hosts = (1...spec.hosts).map { i in
            Host(name: "h\(i)", namespace: "rl-\(spec.name)-h\(i)", address: "192.0.2.\(10 + i)",
                 socket: spec.directory + "/h\(i).sock", stateDirectory: spec.directory + "/h\(i)", logFile: spec.directory + "/h\(i).log")
        }
        workloads = spec.workloads.map { Workload(name: $0.name, network: $0.network, host: $0.host, namespace: "rl-\(spec.name)-w-\($0.name)") }
    }

    public func host(_ number: Int) -> Host { hosts[number - 1] }

    /// The lab's block (`blockLength`, /26) holding the IPv4 `address`: `10.244.0.65` → `10.244.0.64/26`.
    public static func block(of address: String) -> String {
        let o = address.split(separator: ".").compactMap { UInt32($0) }
        guard o.count == 4 else { return address }
        let value = o.reduce(0) { $0 << 8 | $1 } & ~((1 << (32 - UInt32(blockLength))) - 1)
        return "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)/\(blockLength)"
    }
    public func workload(_ name: String) -> Workload? { workloads.first { $0.name == name } }

    /// The `--datastore` every agent gets.
    public var datastoreArgument: String {
        spec.datastore == .etcd ? "etcd://\(Self.datastoreAddress):2379" : "sqlite:" + sqliteFile
    }

    /// The gateway as a `--peer`: eBGP with `export=blocks`, so the gateway's RIB holds each host's
    /// blocks with that host as next hop (the agent's default to an eBGP gateway is the pool
    /// aggregate only, which any host could attract); import the default route (the safe default).
    /// As route reflector (iBGP) it also brings the other hosts' blocks: `import=all`.
    public var gatewayPeer: String {
        spec.peering == .gatewayReflector
            ? "\(Self.gatewayAddress),as=\(Self.hostAS),import=all,hold=9,connect-retry=1"
            : "\(Self.gatewayAddress),as=65000,export=blocks,hold=9,connect-retry=1"
    }

    /// `routed start ...` for host `number` (1-based), without the program itself.
    public func agentArguments(_ number: Int) -> [String] {
        let h = host(number)
        var args = ["start", "--as", "\(Self.hostAS)", "--router-id", h.address, "--listen", h.address,
                    "--pool", Self.pool, "--block-size", "\(Self.blockLength)",
                    "--datastore", datastoreArgument, "--state-dir", h.stateDirectory, "--socket", h.socket,
                    "--hostname", h.name, "--uplink", Self.uplink, "--graceful-restart-time", "60",
                    "--block-release-grace", "\(Self.blockReleaseGrace)", "--log-level", "info"]
        switch spec.peering {
        case .explicit:
            for other in hosts where other.name != h.name { args += ["--peer", "\(other.address),hold=9,connect-retry=1"] }
        case .mesh:
            args.append("--mesh")
        case .gatewayReflector:
            break
        }
        args += ["--peer", gatewayPeer]
        return args
    }
}
