/// Address Family Identifier (IANA "Address Family Numbers"; RFC 4760 section 3).
public struct AFI: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = AFI(rawValue: 1)
    public static let ipv6 = AFI(rawValue: 2)

    public var description: String {
        switch self { case .ipv4: "ipv4"; case .ipv6: "ipv6"; default: "afi-\(rawValue)" }
    }
}

/// Subsequent Address Family Identifier (RFC 4760 section 6).
public struct SAFI: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let unicast = SAFI(rawValue: 1)
    public static let multicast = SAFI(rawValue: 2)

    public var description: String {
        switch self { case .unicast: "unicast"; case .multicast: "multicast"; default: "safi-\(rawValue)" }
    }
}

/// An AFI/SAFI pair: the unit that capabilities, End-of-RIB and route refresh speak of.
public struct AddressFamily: Hashable, Sendable, CustomStringConvertible {
    public var afi: AFI
    public var safi: SAFI
    public init(afi: AFI, safi: SAFI) { self.afi = afi; self.safi = safi }

    public static let ipv4Unicast = AddressFamily(afi: .ipv4, safi: .unicast)
    public static let ipv6Unicast = AddressFamily(afi: .ipv6, safi: .unicast)

    /// True for the families whose NLRI are plain prefixes this codec decodes (IPv4/IPv6 unicast and multicast).
    public var hasPrefixNLRI: Bool {
        (afi == .ipv4 || afi == .ipv6) && (safi == .unicast || safi == .multicast)
    }

    public var description: String { "\(afi)-\(safi)" }
}
