public import BGPWire
public import IPAddressing

/// Something the RIB asks a peer's session to send or do.
public enum PeerMessage: Sendable {
    /// UPDATEs to send (withdrawals, then announcements).
    case update(OutboundUpdate)
    /// End-of-RIB for a family (RFC 4724 section 2): the initial table has been sent.
    case endOfRIB(AddressFamily)
    /// A ROUTE-REFRESH (RFC 2918) or a BoRR/EoRR marker (RFC 7313).
    case routeRefresh(RouteRefreshMessage)
    /// More accepted prefixes than the peer's limit: Cease/Maximum Number of Prefixes Reached (RFC 4486).
    case maximumPrefixExceeded(AddressFamily, limit: UInt32)
    /// Reset the session (Cease/Administrative Reset): a soft reset is not possible.
    case reset(reason: String)
}

/// A timer the RIB asks for; its expiry comes back as `SpeakerRIB.staleTimerExpired`.
public enum RIBTimer: Hashable, Sendable {
    /// Graceful restart (RFC 4724 section 4.2): the restart or stale time of a peer's kept routes.
    case startStale(peer: IPAddress, seconds: UInt16)
    case stopStale(peer: IPAddress)
}

/// What one step of the speaker's RIB produced: the Loc-RIB changes for the consumers (FIB,
/// policy memberships), messages per peer, timers, and warnings for the operator.
public struct RIBOutput: Sendable {
    public var changes = RIBChanges()
    public var messages: [IPAddress: [PeerMessage]] = [:]
    public var timers: [RIBTimer] = []
    public var warnings: [(peer: IPAddress?, message: String)] = []
    /// Peers whose initial table is still being sent: call `SpeakerRIB.continueTable` for each,
    /// after the work already waiting (so a large table never holds up the sessions' UPDATEs).
    public var tableWalks: [IPAddress] = []

    public init() {}

    mutating func send(_ m: PeerMessage, to peer: IPAddress) { messages[peer, default: []].append(m) }
}
