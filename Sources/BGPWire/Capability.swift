/// A BGP capability advertised in OPEN (RFC 5492 section 4), decoded where routed knows it and kept
/// as bytes otherwise, so it can be logged and re-encoded unchanged.
public enum Capability: Hashable, Sendable {
    /// Code 1, Multiprotocol Extensions (RFC 4760 section 8).
    case multiprotocol(AddressFamily)
    /// Code 2, Route Refresh (RFC 2918 section 2).
    case routeRefresh
    /// Code 5, Extended Next Hop Encoding (RFC 8950 section 3).
    case extendedNextHop([ExtendedNextHopTuple])
    /// Code 6, Extended Message (RFC 8654 section 3).
    case extendedMessage
    /// Code 64, Graceful Restart (RFC 4724 section 3).
    case gracefulRestart(GracefulRestartCapability)
    /// Code 65, Support for 4-octet AS number (RFC 6793 section 3).
    case fourOctetAS(UInt32)
    /// Code 69, ADD-PATH (RFC 7911 section 4). Decoded and kept; routed does not advertise it.
    case addPath([AddPathTuple])
    /// Code 70, Enhanced Route Refresh (RFC 7313 section 3.1).
    case enhancedRouteRefresh
    /// Code 73, FQDN (draft-walton-bgp-hostname-capability): host and domain name, for logs.
    case fqdn(hostName: String, domainName: String)
    /// Any other capability, kept verbatim.
    case unknown(code: UInt8, value: [UInt8])

    public var code: UInt8 {
        switch self {
        case .multiprotocol: 1
        case .routeRefresh: 2
        case .extendedNextHop: 5
        case .extendedMessage: 6
        case .gracefulRestart: 64
        case .fourOctetAS: 65
        case .addPath: 69
        case .enhancedRouteRefresh: 70
        case .fqdn: 73
        case .unknown(let code, _): code
        }
    }
}

/// One (NLRI AFI, NLRI SAFI, next-hop AFI) triple of the Extended Next Hop capability (RFC 8950 section 3).
public struct ExtendedNextHopTuple: Hashable, Sendable {
    public var nlriFamily: AddressFamily
    public var nextHopAFI: AFI
    public init(nlriFamily: AddressFamily, nextHopAFI: AFI) {
        self.nlriFamily = nlriFamily
        self.nextHopAFI = nextHopAFI
    }
}

/// The Graceful Restart capability (RFC 4724 section 3; the N bit from RFC 8538 section 2).
public struct GracefulRestartCapability: Hashable, Sendable {
    /// Restart State (R): the sender has restarted and is re-establishing.
    public var restartState: Bool
    /// Graceful Notification (N, RFC 8538): NOTIFICATIONs other than Hard Reset keep routes.
    public var notification: Bool
    /// The two reserved flag bits, kept for faithful re-encoding.
    public var reservedFlags: UInt8
    /// Restart Time in seconds (12 bits).
    public var restartTime: UInt16
    public var families: [Family]

    public struct Family: Hashable, Sendable {
        public var family: AddressFamily
        /// Forwarding State (F): forwarding was preserved across the restart.
        public var forwardingPreserved: Bool
        /// The other seven flag bits, kept verbatim.
        public var reservedFlags: UInt8
        public init(family: AddressFamily, forwardingPreserved: Bool, reservedFlags: UInt8 = 0) {
            self.family = family
            self.forwardingPreserved = forwardingPreserved
            self.reservedFlags = reservedFlags
        }
    }

    public init(restartState: Bool = false, notification: Bool = false, reservedFlags: UInt8 = 0,
                restartTime: UInt16, families: [Family]) {
        self.restartState = restartState
        self.notification = notification
        self.reservedFlags = reservedFlags
        self.restartTime = restartTime
        self.families = families
    }
}

/// One (AFI, SAFI, send/receive) triple of the ADD-PATH capability (RFC 7911 section 4).
public struct AddPathTuple: Hashable, Sendable {
    public struct Direction: OptionSet, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let receive = Direction(rawValue: 1)
        public static let send = Direction(rawValue: 2)
    }
    public var family: AddressFamily
    public var direction: Direction
    public init(family: AddressFamily, direction: Direction) {
        self.family = family
        self.direction = direction
    }
}
