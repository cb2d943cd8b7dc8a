import CMNL

/// rtnetlink multicast groups (`ip monitor link route address`).
public struct MulticastGroup: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let link = MulticastGroup(rawValue: RTNLGRP_LINK.rawValue)
    public static let neighbour = MulticastGroup(rawValue: RTNLGRP_NEIGH.rawValue)
    public static let ipv4Address = MulticastGroup(rawValue: RTNLGRP_IPV4_IFADDR.rawValue)
    public static let ipv6Address = MulticastGroup(rawValue: RTNLGRP_IPV6_IFADDR.rawValue)
    public static let ipv4Route = MulticastGroup(rawValue: RTNLGRP_IPV4_ROUTE.rawValue)
    public static let ipv6Route = MulticastGroup(rawValue: RTNLGRP_IPV6_ROUTE.rawValue)
}

/// A change the kernel announced, as `ip monitor` prints it.
public enum NetlinkEvent: Hashable, Sendable {
    case linkAdded(Link)
    case linkRemoved(Link)
    case addressAdded(InterfaceAddress)
    case addressRemoved(InterfaceAddress)
    case routeAdded(Route)
    case routeRemoved(Route)
    /// Notifications were lost (the receive queue overflowed): resynchronise with a full dump.
    case overrun

    /// nil for message types routed does not follow.
    init?(parsing message: MessageView) throws {
        switch Int(message.type) {
        case RTM_NEWLINK: self = .linkAdded(try Link(parsing: message.payload))
        case RTM_DELLINK: self = .linkRemoved(try Link(parsing: message.payload))
        case RTM_NEWADDR:
            guard let a = try InterfaceAddress(parsing: message.payload) else { return nil }
            self = .addressAdded(a)
        case RTM_DELADDR:
            guard let a = try InterfaceAddress(parsing: message.payload) else { return nil }
            self = .addressRemoved(a)
        case RTM_NEWROUTE:
            guard let r = try Route(parsing: message.payload) else { return nil }
            self = .routeAdded(r)
        case RTM_DELROUTE:
            guard let r = try Route(parsing: message.payload) else { return nil }
            self = .routeRemoved(r)
        default:
            return nil
        }
    }
}
