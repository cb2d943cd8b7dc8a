/// An FRR `bgpd.conf` for one `router bgp` instance: neighbors (remote AS, password, timers,
/// passive) and the prefixes to originate with `network`.
///
/// FRR runs without zebra here (`bgpd -Z`), so it knows no interfaces: eBGP neighbors get
/// `disable-connected-check`, and `no bgp network import-check` lets `network` originate a prefix
/// that is in no routing table.
public struct FRRConfig: Sendable {
    public var asn: UInt32
    public var routerID: String
    public var neighbors: [Neighbor]
    /// Prefixes originated with `network P` (IPv4 and IPv6 alike; sorted into address families).
    public var networks: [String]
    /// Lines appended inside `router bgp` verbatim.
    public var extra: [String]

    public init(asn: UInt32, routerID: String, neighbors: [Neighbor] = [], networks: [String] = [], extra: [String] = []) {
        self.asn = asn
        self.routerID = routerID
        self.neighbors = neighbors
        self.networks = networks
        self.extra = extra
    }

    public struct Neighbor: Sendable {
        public var address: String
        public var remoteAS: UInt32
        /// `neighbor A password P`: TCP MD5 signature (RFC 2385).
        public var password: String?
        /// `neighbor A timers KEEPALIVE HOLD` (both or neither).
        public var timers: (keepalive: Int, hold: Int)?
        /// `neighbor A timers connect N`.
        public var connectRetry: Int
        public var passive: Bool
        public var updateSource: String?
        /// `neighbor A port N`: the peer's port (a speaker under test on a high port).
        public var port: Int?
        public var ipv4: Bool
        public var ipv6: Bool

        public init(address: String, remoteAS: UInt32, password: String? = nil, timers: (keepalive: Int, hold: Int)? = nil,
                    connectRetry: Int = 1, passive: Bool = false, updateSource: String? = nil, port: Int? = nil,
                    ipv4: Bool = true, ipv6: Bool = false) {
            self.address = address
            self.remoteAS = remoteAS
            self.password = password
            self.timers = timers
            self.connectRetry = connectRetry
            self.passive = passive
            self.updateSource = updateSource
            self.port = port
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    /// The text of `bgpd.conf`; bgpd logs to `logFile`.
    public func render(hostname: String, logFile: String) -> String {
        var lines = ["frr defaults traditional", "hostname \(hostname)", "log file \(logFile)", "!",
                     "router bgp \(asn)", " bgp router-id \(routerID)", " no bgp ebgp-requires-policy",
                     " no bgp network import-check", " no bgp default ipv4-unicast", " bgp log-neighbor-changes"]
        for neighbor in neighbors {
            let n = " neighbor \(neighbor.address)"
            lines.append("\(n) remote-as \(neighbor.remoteAS)")
            if let password = neighbor.password { lines.append("\(n) password \(password)") }
            if let timers = neighbor.timers { lines.append("\(n) timers \(timers.keepalive) \(timers.hold)") }
            lines.append("\(n) timers connect \(neighbor.connectRetry)")
            lines.append("\(n) advertisement-interval 0")
            if neighbor.passive { lines.append("\(n) passive") }
            if let source = neighbor.updateSource { lines.append("\(n) update-source \(source)") }
            if let port = neighbor.port { lines.append("\(n) port \(port)") }
            if neighbor.remoteAS != asn { lines.append("\(n) disable-connected-check") }
        }
        lines += extra.map { " " + $0 }
        for (family, isV6) in [("ipv4", false), ("ipv6", true)] {
            let active = neighbors.filter { isV6 ? $0.ipv6 : $0.ipv4 }
            let originated = networks.filter { $0.contains(":") == isV6 }
            guard !active.isEmpty || !originated.isEmpty else { continue }
            lines.append(" address-family \(family) unicast")
            lines += originated.map { "  network \($0)" }
            lines += active.map { "  neighbor \($0.address) activate" }
            lines.append(" exit-address-family")
        }
        lines.append("!")
        return lines.joined(separator: "\n") + "\n"
    }
}
