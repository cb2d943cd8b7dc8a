public import AgentAPI
public import BGPCore
public import BGPSpeaker
public import IPAddressing

/// What the agent needs from BGP, and nothing more: originate our blocks, hear best-route
/// changes, list routes and peers, add and remove peers, shut down.
///
/// Two implementations: `SpeakerRouting` over `BGPSpeaker` (which owns the Loc-RIB and the
/// per-peer policies), and `InMemorySpeaker` for unit tests (a `PeerRIB` fed by hand).
public protocol RoutingSpeaker: Sendable {
    /// Opens the listener and starts every peer's session. Originate before starting, so the
    /// first UPDATEs after a restart already carry our blocks (End-of-RIB follows them).
    func start() async throws
    /// The complete set of routes we originate (blocks tagged `ASN:1:network-id`).
    func originate(_ routes: [OriginatedRoute]) async
    /// Batches of best-route changes after import policy, in order.
    var bestRouteChanges: AsyncStream<[RIBChange]> { get }
    /// `routed routes [--prefix CIDR]`: every path, the best first.
    func routes(prefix: IPPrefix?) async -> [RouteInfo]
    /// `routed status` / `routed peer list`.
    func peers() async -> [PeerInfo]
    /// Whether every peer that is Established has sent End-of-RIB since (initial convergence).
    func converged() async -> Bool
    func addPeer(_ peer: AgentPeer) async throws
    func removePeer(_ address: IPAddress) async throws
    /// Cease to every peer (RFC 9003 message), unless `preserveForwarding`: then the sessions
    /// just close, and peers that negotiated graceful restart keep forwarding to us meanwhile.
    func shutdown(message: String, preserveForwarding: Bool) async
}

/// Why a peer operation was refused.
public enum RoutingError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownPeer(IPAddress)
    case peerExists(IPAddress)
    case speaker(String)

    public var description: String {
        switch self {
        case .unknownPeer(let a): "no peer \(a); see `routed peer list`"
        case .peerExists(let a): "peer \(a) already exists; delete it first with `routed peer del \(a)`"
        case .speaker(let s): "BGP speaker: \(s)"
        }
    }
}
