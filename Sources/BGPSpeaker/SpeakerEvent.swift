public import BGPWire
public import IPAddressing

/// What the speaker reports to its owner (the agent, a test, `routed bgp-speaker`).
public enum SpeakerEvent: Sendable, Hashable {
    case listening(address: String)
    case stateChanged(peer: IPAddress, from: String, to: String, reason: String)
    case established(peer: IPAddress, peerAS: UInt32, holdTime: UInt16, families: [AddressFamily])
    /// Routes learned from a peer (after RFC 7606 handling); `withdrawn` are gone.
    case routes(peer: IPAddress, announced: [ReceivedRoute], withdrawn: [IPPrefix])
    /// The peer's End-of-RIB for a family (RFC 4724), once the Loc-RIB has taken in every route
    /// the peer sent before it.
    case endOfRIB(peer: IPAddress, family: AddressFamily)
    /// The session went down; `keepsRoutes` when graceful restart keeps them as stale.
    case sessionDown(peer: IPAddress, reason: String, keepsRoutes: Bool)
    /// A problem an operator should see (a refused connection, a malformed UPDATE handled by RFC 7606).
    case warning(peer: IPAddress?, message: String)
}

/// A route as received from a peer.
public struct ReceivedRoute: Sendable, Hashable {
    public var prefix: IPPrefix
    public var nextHop: IPAddress?
    public var attributes: PathAttributes

    public init(prefix: IPPrefix, nextHop: IPAddress?, attributes: PathAttributes) {
        self.prefix = prefix
        self.nextHop = nextHop
        self.attributes = attributes
    }
}
