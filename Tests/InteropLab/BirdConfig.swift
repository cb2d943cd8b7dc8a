/// A typical BIRD 2 configuration: router id, `protocol device`, BGP protocols and static routes to
/// originate. `render(logFile:)` gives the text for `bird -c`; `extra` is appended verbatim for
/// anything the builder does not cover.
public struct BirdConfig: Sendable {
    public var routerID: String
    public var protocols: [BGPProtocol]
    public var staticRoutes: [StaticRoute]
    public var extra: String

    public init(routerID: String, protocols: [BGPProtocol] = [], staticRoutes: [StaticRoute] = [], extra: String = "") {
        self.routerID = routerID
        self.protocols = protocols
        self.staticRoutes = staticRoutes
        self.extra = extra
    }

    /// Import or export policy of a BGP channel: `import all;`, `export none;`,
    /// `export where net ~ [ 10.0.0.0/8+ ];` (the expression after `where`).
    public enum Filter: Sendable {
        case all, none
        case whereClause(String)

        func render(_ direction: String) -> String {
            switch self {
            case .all: return "\(direction) all;"
            case .none: return "\(direction) none;"
            case .whereClause(let expression): return "\(direction) where \(expression);"
            }
        }
    }

    /// One address family of a BGP protocol (`ipv4 { ... };` or `ipv6 { ... };`).
    public struct Channel: Sendable {
        public var importFilter: Filter
        public var exportFilter: Filter
        /// `next hop self;`
        public var nextHopSelf: Bool
        /// `next hop address A;` (e.g. an IPv6 next hop on an IPv4 session).
        public var nextHopAddress: String?

        public init(import importFilter: Filter = .all, export exportFilter: Filter = .all,
                    nextHopSelf: Bool = false, nextHopAddress: String? = nil) {
            self.importFilter = importFilter
            self.exportFilter = exportFilter
            self.nextHopSelf = nextHopSelf
            self.nextHopAddress = nextHopAddress
        }
    }

    /// `protocol bgp NAME { local [ADDR] as AS; neighbor ADDR as AS; ... }`
    public struct BGPProtocol: Sendable {
        public var name: String
        public var localAddress: String?
        public var localAS: UInt32
        public var neighbor: String
        public var neighborAS: UInt32
        /// `neighbor ADDR port N`: the peer's port (a speaker under test on a high port).
        public var neighborPort: Int?
        /// `local ADDR port N`: BIRD's own port for this session.
        public var localPort: Int?
        /// `password "..."`: TCP MD5 signature (RFC 2385).
        public var password: String?
        /// `hold time N` (BIRD's default is 240).
        public var holdTime: Int?
        public var keepaliveTime: Int?
        /// `connect retry time` and `connect delay time`; short so tests do not wait.
        public var connectRetryTime: Int
        public var connectDelayTime: Int
        /// `error wait time MIN,MAX`: the pause after an error before BIRD tries again
        /// (BIRD's default is 60,300, far too long for a test).
        public var errorWaitTime: (min: Int, max: Int)
        public var passive: Bool
        /// `check link on|off`: end the session at once when the interface loses carrier. BIRD
        /// tracks the link of direct sessions; a hold-timer test turns it off.
        public var checkLink: Bool?
        /// `graceful restart on|off` (RFC 4724). BIRD's default, `aware`, keeps a peer's routes
        /// as stale after the session breaks and shows no `Last error` meanwhile.
        public var gracefulRestart: Bool?
        public var ipv4: Channel?
        public var ipv6: Channel?
        /// Lines added inside the protocol block verbatim.
        public var extra: [String]

        public init(
            name: String, localAddress: String? = nil, localAS: UInt32, neighbor: String, neighborAS: UInt32,
            neighborPort: Int? = nil, localPort: Int? = nil,
            password: String? = nil, holdTime: Int? = nil, keepaliveTime: Int? = nil,
            connectRetryTime: Int = 1, connectDelayTime: Int = 1, errorWaitTime: (min: Int, max: Int) = (1, 5),
            passive: Bool = false, checkLink: Bool? = nil, gracefulRestart: Bool? = nil, ipv4: Channel? = Channel(), ipv6: Channel? = nil, extra: [String] = []
        ) {
            self.name = name
            self.localAddress = localAddress
            self.localAS = localAS
            self.neighbor = neighbor
            self.neighborAS = neighborAS
            self.neighborPort = neighborPort
            self.localPort = localPort
            self.password = password
            self.holdTime = holdTime
            self.keepaliveTime = keepaliveTime
            self.connectRetryTime = connectRetryTime
            self.connectDelayTime = connectDelayTime
            self.errorWaitTime = errorWaitTime
            self.passive = passive
            self.checkLink = checkLink
            self.gracefulRestart = gracefulRestart
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.extra = extra
        }

        var isInternal: Bool { localAS == neighborAS }

        func render() -> String {
            var lines = ["protocol bgp \(name) {"]
            lines.append("  local\(localAddress.map { " \($0)" } ?? "")\(localPort.map { " port \($0)" } ?? "") as \(localAS);")
            lines.append("  neighbor \(neighbor)\(neighborPort.map { " port \($0)" } ?? "") as \(neighborAS);")
            if let password { lines.append("  password \"\(password)\";") }
            if let holdTime { lines.append("  hold time \(holdTime);") }
            if let keepaliveTime { lines.append("  keepalive time \(keepaliveTime);") }
            lines.append("  connect retry time \(connectRetryTime);")
            lines.append("  connect delay time \(connectDelayTime);")
            lines.append("  error wait time \(errorWaitTime.min),\(errorWaitTime.max);")
            if passive { lines.append("  passive on;") }
            // iBGP is multihop by default in BIRD; a directly connected neighbour is `direct`, so its
            // next hops resolve through the interface (no IGP table needed).
            if isInternal { lines.append("  direct;") }
            if let checkLink { lines.append("  check link \(checkLink ? "on" : "off");") }
            if let gracefulRestart { lines.append("  graceful restart \(gracefulRestart ? "on" : "off");") }
            lines += extra.map { "  " + $0 }
            for (family, channel) in [("ipv4", ipv4), ("ipv6", ipv6)] {
                guard let channel else { continue }
                var body = [channel.importFilter.render("import"), channel.exportFilter.render("export")]
                if channel.nextHopSelf { body.append("next hop self;") }
                if let address = channel.nextHopAddress { body.append("next hop address \(address);") }
                lines.append("  \(family) { \(body.joined(separator: " ")) };")
            }
            lines.append("}")
            return lines.joined(separator: "\n")
        }
    }

    /// A blackhole route originated by `protocol static`, with BGP attributes set on it.
    public struct StaticRoute: Sendable {
        public var prefix: String
        public var communities: [(UInt32, UInt32)]
        public var largeCommunities: [(UInt32, UInt32, UInt32)]
        public var med: UInt32?
        public var localPref: UInt32?
        /// ASes prepended to the path, first element leftmost.
        public var asPathPrepend: [UInt32]

        public init(_ prefix: String, communities: [(UInt32, UInt32)] = [],
                    largeCommunities: [(UInt32, UInt32, UInt32)] = [], med: UInt32? = nil,
                    localPref: UInt32? = nil, asPathPrepend: [UInt32] = []) {
            self.prefix = prefix
            self.communities = communities
            self.largeCommunities = largeCommunities
            self.med = med
            self.localPref = localPref
            self.asPathPrepend = asPathPrepend
        }

        var isIPv6: Bool { prefix.contains(":") }

        func render() -> String {
            var attributes: [String] = []
            for (asn, value) in communities { attributes.append("bgp_community.add((\(asn),\(value)));") }
            for (global, one, two) in largeCommunities {
                attributes.append("bgp_large_community.add((\(global),\(one),\(two)));")
            }
            if let med { attributes.append("bgp_med = \(med);") }
            if let localPref { attributes.append("bgp_local_pref = \(localPref);") }
            // prepend() puts its argument leftmost, so prepend in reverse order.
            for asn in asPathPrepend.reversed() { attributes.append("bgp_path.prepend(\(asn));") }
            let block = attributes.isEmpty ? "" : " { \(attributes.joined(separator: " ")) }"
            return "  route \(prefix) blackhole\(block);"
        }
    }

    /// The configuration text; BIRD logs everything to `logFile`, stamped to the millisecond
    /// (`BirdOutput.logTime` reads the stamps).
    public func render(logFile: String) -> String {
        var text = """
            log "\(logFile)" all;
            timeformat log "%F %T.%3f";
            router id \(routerID);
            protocol device { scan time 10; }

            """
        let v4 = staticRoutes.filter { !$0.isIPv6 }
        let v6 = staticRoutes.filter(\.isIPv6)
        if !v4.isEmpty {
            text += "protocol static orig4 {\n  ipv4;\n" + v4.map { $0.render() }.joined(separator: "\n") + "\n}\n"
        }
        if !v6.isEmpty {
            text += "protocol static orig6 {\n  ipv6;\n" + v6.map { $0.render() }.joined(separator: "\n") + "\n}\n"
        }
        text += protocols.map { $0.render() }.joined(separator: "\n") + "\n"
        if !extra.isEmpty { text += extra + "\n" }
        return text
    }
}
