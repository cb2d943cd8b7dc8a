public import IPAddressing

/// A next hop as carried in MP_REACH_NLRI (RFC 4760 section 3; RFC 2545 section 3 for IPv6 with a
/// link-local address; RFC 8950 for IPv4 NLRI over an IPv6 next hop).
public enum NextHop: Hashable, Sendable, CustomStringConvertible {
    case ipv4(IPv4Address)
    /// 16 octets (global) or 32 octets (global followed by link-local).
    case ipv6(IPv6Address, linkLocal: IPv6Address?)
    /// Any other length or family, kept verbatim.
    case opaque([UInt8])

    public var encodedLength: Int {
        switch self {
        case .ipv4: 4
        case .ipv6(_, let ll): ll == nil ? 16 : 32
        case .opaque(let b): b.count
        }
    }

    public var description: String {
        switch self {
        case .ipv4(let a): a.description
        case .ipv6(let g, let ll): ll.map { "\(g) (\($0))" } ?? g.description
        case .opaque(let b): "0x" + b.hexString
        }
    }
}

/// The NLRI of one address family: prefixes for IPv4/IPv6 unicast and multicast, octets otherwise.
public enum NLRI: Hashable, Sendable {
    case ipv4([IPv4Prefix])
    case ipv6([IPv6Prefix])
    /// NLRI of a family this codec does not parse (VPN, EVPN, flowspec...), kept verbatim.
    case opaque([UInt8])

    public var isEmpty: Bool {
        switch self {
        case .ipv4(let p): p.isEmpty
        case .ipv6(let p): p.isEmpty
        case .opaque(let b): b.isEmpty
        }
    }

    /// The prefixes, both families in one list (opaque NLRI give none).
    public var prefixes: [IPPrefix] {
        switch self {
        case .ipv4(let p): p.map(IPPrefix.v4)
        case .ipv6(let p): p.map(IPPrefix.v6)
        case .opaque: []
        }
    }
}

/// MP_REACH_NLRI, attribute 14 (RFC 4760 section 3).
public struct MPReachNLRI: Hashable, Sendable {
    public var family: AddressFamily
    public var nextHop: NextHop
    public var nlri: NLRI
    /// One Path Identifier per prefix when ADD-PATH is in use for the family (RFC 7911), else empty.
    public var pathIDs: [UInt32]

    public init(family: AddressFamily, nextHop: NextHop, nlri: NLRI, pathIDs: [UInt32] = []) {
        self.family = family
        self.nextHop = nextHop
        self.nlri = nlri
        self.pathIDs = pathIDs
    }
}

/// MP_UNREACH_NLRI, attribute 15 (RFC 4760 section 4). With no NLRI it is the End-of-RIB marker of
/// its family (RFC 4724 section 2).
public struct MPUnreachNLRI: Hashable, Sendable {
    public var family: AddressFamily
    public var withdrawn: NLRI
    /// One Path Identifier per prefix when ADD-PATH is in use for the family (RFC 7911), else empty.
    public var pathIDs: [UInt32]

    public init(family: AddressFamily, withdrawn: NLRI, pathIDs: [UInt32] = []) {
        self.family = family
        self.withdrawn = withdrawn
        self.pathIDs = pathIDs
    }
}
