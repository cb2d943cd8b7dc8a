public import IPAddressing

/// One next hop of a multipath route (`ip route add P nexthop via G dev X weight W onlink`).
public struct NextHop: Hashable, Sendable {
    public var gateway: IPAddress?
    public var interfaceIndex: UInt32
    /// 1...256 as iproute2 spells it (`rtnh_hops` carries weight - 1).
    public var weight: UInt16
    public var onlink: Bool

    public init(gateway: IPAddress? = nil, interfaceIndex: UInt32, weight: UInt16 = 1, onlink: Bool = false) {
        self.gateway = gateway
        self.interfaceIndex = interfaceIndex
        self.weight = weight
        self.onlink = onlink
    }
}

/// A kernel route (`struct rtmsg` + RTA_* attributes), as `ip route` shows and takes it.
///
/// `ip route add 10.0.0.1/32 dev veth0 proto 201 table 254 scope link` is
/// `Route(destination: "10.0.0.1/32", interfaceIndex: veth0, scope: .link)`.
public struct Route: Hashable, Sendable, CustomStringConvertible {
    public var destination: IPPrefix
    public var table: RouteTable
    public var proto: RouteProtocol
    public var scope: RouteScope
    public var type: RouteType
    /// `via G`
    public var gateway: IPAddress?
    /// `dev X` (interface index)
    public var interfaceIndex: UInt32?
    /// `onlink`: the gateway is on the link even without a connected route (RTNH_F_ONLINK).
    public var onlink: Bool
    /// `metric N` (RTA_PRIORITY)
    public var metric: UInt32?
    /// `src A` (RTA_PREFSRC)
    public var preferredSource: IPAddress?
    /// `nexthop ... nexthop ...` (RTA_MULTIPATH); when non-empty, `gateway`/`interfaceIndex` are unused.
    public var nextHops: [NextHop]

    public init(destination: IPPrefix, table: RouteTable = .main, proto: RouteProtocol = .routed,
                scope: RouteScope = .universe, type: RouteType = .unicast, gateway: IPAddress? = nil,
                interfaceIndex: UInt32? = nil, onlink: Bool = false, metric: UInt32? = nil,
                preferredSource: IPAddress? = nil, nextHops: [NextHop] = []) {
        self.destination = destination
        self.table = table
        self.proto = proto
        self.scope = scope
        self.type = type
        self.gateway = gateway
        self.interfaceIndex = interfaceIndex
        self.onlink = onlink
        self.metric = metric
        self.preferredSource = preferredSource
        self.nextHops = nextHops
    }

    /// `ip route add blackhole P proto 201`
    public static func blackhole(_ destination: IPPrefix, table: RouteTable = .main,
                                 proto: RouteProtocol = .routed) -> Route {
        Route(destination: destination, table: table, proto: proto, type: .blackhole)
    }

    public var description: String {
        var s = type == .unicast ? "" : type == .blackhole ? "blackhole " : "type \(type.rawValue) "
        s += destination.description
        if let gateway { s += " via \(gateway)" }
        if let interfaceIndex { s += " dev #\(interfaceIndex)" }
        for hop in nextHops {
            s += " nexthop"
            if let g = hop.gateway { s += " via \(g)" }
            s += " dev #\(hop.interfaceIndex) weight \(hop.weight)"
            if hop.onlink { s += " onlink" }
        }
        if onlink { s += " onlink" }
        if table != .main { s += " table \(table.rawValue)" }
        s += " proto \(proto)"
        if scope != .universe { s += " scope \(scope.rawValue)" }
        if let metric { s += " metric \(metric)" }
        return s
    }
}

/// What to dump: `ip route show table T proto P [dev X]` (`nil` = any). The kernel filters with
/// NETLINK_GET_STRICT_CHK; the result is filtered again here.
public struct RouteFilter: Hashable, Sendable {
    public var family: UInt8?
    public var table: RouteTable?
    public var proto: RouteProtocol?
    public var interfaceIndex: UInt32?

    /// IPv4 and IPv6 are dumped separately; `family` nil means IPv4 then IPv6.
    public static func ipv4(table: RouteTable? = .main, proto: RouteProtocol? = nil) -> RouteFilter {
        RouteFilter(family: 2, table: table, proto: proto)
    }
    public static func ipv6(table: RouteTable? = .main, proto: RouteProtocol? = nil) -> RouteFilter {
        RouteFilter(family: 10, table: table, proto: proto)
    }

    public init(family: UInt8? = nil, table: RouteTable? = .main, proto: RouteProtocol? = nil, interfaceIndex: UInt32? = nil) {
        self.family = family
        self.table = table
        self.proto = proto
        self.interfaceIndex = interfaceIndex
    }

    public func matches(_ route: Route) -> Bool {
        (family == nil || family == route.destination.family)
            && (table == nil || table == route.table)
            && (proto == nil || proto == route.proto)
            && (interfaceIndex == nil || interfaceIndex == route.interfaceIndex
                || route.nextHops.contains { $0.interfaceIndex == interfaceIndex })
    }
}
