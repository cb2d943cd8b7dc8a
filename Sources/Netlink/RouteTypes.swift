/// The `rtm_protocol` of a route: who installed it (`ip route ... proto N`, `/etc/iproute2/rt_protos`).
public struct RouteProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// routed's own protocol number, 201. Not in Debian's `/etc/iproute2/rt_protos` nor in FRR's
    /// `rt_protos.d/frr.conf` (186–197), and distinct from Calico's 80 and BIRD's 12. Every route
    /// routed installs carries it, and routed deletes or replaces only routes that carry it.
    /// Operators can name it with `echo "201 routed" > /etc/iproute2/rt_protos.d/routed.conf`.
    public static let routed = RouteProtocol(rawValue: 201)
    public static let unspecified = RouteProtocol(rawValue: 0)
    public static let redirect = RouteProtocol(rawValue: 1)
    public static let kernel = RouteProtocol(rawValue: 2)
    public static let boot = RouteProtocol(rawValue: 3)
    public static let `static` = RouteProtocol(rawValue: 4)
    public static let bird = RouteProtocol(rawValue: 12)
    public static let bgp = RouteProtocol(rawValue: 186)

    public var description: String {
        switch rawValue {
        case 2: "kernel"
        case 3: "boot"
        case 4: "static"
        case 12: "bird"
        case 186: "bgp"
        case 201: "routed"
        default: "\(rawValue)"
        }
    }
}

/// A routing table id (`ip route ... table N`); ids above 255 travel in `RTA_TABLE`.
public struct RouteTable: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let unspecified = RouteTable(rawValue: 0)
    public static let main = RouteTable(rawValue: 254)
    public static let local = RouteTable(rawValue: 255)
}

/// `rtm_scope` (`ip route ... scope global|link|host`).
public struct RouteScope: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let universe = RouteScope(rawValue: 0)
    public static let site = RouteScope(rawValue: 200)
    public static let link = RouteScope(rawValue: 253)
    public static let host = RouteScope(rawValue: 254)
    public static let nowhere = RouteScope(rawValue: 255)
}

/// `rtm_type` (`ip route add blackhole|unreachable|prohibit|local ...`).
public struct RouteType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let unspecified = RouteType(rawValue: 0)
    public static let unicast = RouteType(rawValue: 1)
    public static let local = RouteType(rawValue: 2)
    public static let broadcast = RouteType(rawValue: 3)
    public static let anycast = RouteType(rawValue: 4)
    public static let multicast = RouteType(rawValue: 5)
    public static let blackhole = RouteType(rawValue: 6)
    public static let unreachable = RouteType(rawValue: 7)
    public static let prohibit = RouteType(rawValue: 8)
}
