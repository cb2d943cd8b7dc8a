import NIOCore

/// The ROUTE-REFRESH message (RFC 2918 section 3) with the RFC 7313 message subtype.
public struct RouteRefreshMessage: Hashable, Sendable {
    /// The octet between AFI and SAFI: "Reserved" in RFC 2918, "Message Subtype" in RFC 7313 section 3.2.
    public struct Subtype: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// A plain route refresh request.
        public static let normal = Subtype(rawValue: 0)
        /// Beginning of Route Refresh.
        public static let beginningOfRouteRefresh = Subtype(rawValue: 1)
        /// Ending of Route Refresh.
        public static let endOfRouteRefresh = Subtype(rawValue: 2)
        /// Values 3–254 are reserved: the receiver ignores the message (RFC 7313 section 5).
        public var isReserved: Bool { rawValue > 2 }
    }

    public var family: AddressFamily
    public var subtype: Subtype

    public init(family: AddressFamily, subtype: Subtype = .normal) {
        self.family = family
        self.subtype = subtype
    }

    static func decode(body: inout ByteBuffer) -> RouteRefreshMessage {
        let afi = body.readInteger(as: UInt16.self)!
        let subtype = body.readInteger(as: UInt8.self)!
        let safi = body.readInteger(as: UInt8.self)!
        return RouteRefreshMessage(family: AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi)),
                                   subtype: Subtype(rawValue: subtype))
    }

    func encodeBody(into buffer: inout ByteBuffer) {
        buffer.writeInteger(family.afi.rawValue)
        buffer.writeInteger(subtype.rawValue)
        buffer.writeInteger(family.safi.rawValue)
    }
}
