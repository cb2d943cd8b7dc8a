public import IPAddressing

/// A peer as the RIB sees it: what the decision process and the propagation rules need.
public struct RIBPeer: Hashable, Sendable {
    public var address: IPAddress
    public var asn: UInt32
    /// The peer's BGP identifier (from its OPEN).
    public var routerID: IPv4Address
    /// In another AS than ours (eBGP).
    public var isExternal: Bool
    /// A route-reflector client of ours (RFC 4456).
    public var isReflectorClient: Bool
    /// The pseudo-peer of the routes this speaker originates itself.
    public var isLocal = false

    public init(address: IPAddress, asn: UInt32, routerID: IPv4Address, isExternal: Bool, isReflectorClient: Bool = false) {
        self.address = address
        self.asn = asn
        self.routerID = routerID
        self.isExternal = isExternal
        self.isReflectorClient = isReflectorClient
    }

    /// Routes this speaker originates itself come from this pseudo-peer.
    public static func local(routerID: IPv4Address, asn: UInt32) -> RIBPeer {
        var peer = RIBPeer(address: .v4(routerID), asn: asn, routerID: routerID, isExternal: false)
        peer.isLocal = true
        return peer
    }
}

/// A small handle for a peer inside one RIB.
public struct PeerID: Hashable, Sendable, Comparable {
    public let rawValue: UInt16
    public static func < (lhs: PeerID, rhs: PeerID) -> Bool { lhs.rawValue < rhs.rawValue }
}
