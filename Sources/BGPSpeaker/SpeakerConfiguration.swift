public import BGPCore
public import BGPWire
public import IPAddressing

/// The speaker as a whole: who we are, where we listen, whom we peer with, which route policies
/// peers may name.
public struct SpeakerConfiguration: Sendable {
    public var localAS: UInt32
    public var routerID: IPv4Address
    /// Where to accept connections; nil to only connect out.
    public var listenAddress: IPAddress?
    public var listenPort: Int
    public var peers: [PeerSpec]
    /// Graceful restart to advertise (RFC 4724); nil to not advertise it. After a restart with
    /// forwarding kept, set `restartState` and each family's `forwardingPreserved` (restarting speaker).
    public var gracefulRestart: GracefulRestartCapability?
    /// Route policies `import=NAME` / `export=NAME` may name, besides the built-ins `all`, `none`
    /// and `default-route` (the agent registers `pool`, `blocks`, `aggregates`).
    public var policies: [String: RoutePolicy]
    /// RFC 4456 cluster ID when we reflect routes; nil means our router ID once a peer is `rr-client`.
    public var clusterID: IPv4Address?
    public var decisionOptions: DecisionOptions
    /// Emit `SpeakerEvent.routes` for every received UPDATE (a prefix-by-prefix log, for
    /// `routed bgp-speaker` and tests; off in the agent, where `ribChanges` carries what matters).
    public var reportReceivedRoutes: Bool
    /// Feed `BGPSpeaker.ribChanges`; off when nothing consumes it (it buffers without bound).
    public var publishesRIBChanges: Bool

    public init(localAS: UInt32, routerID: IPv4Address, listenAddress: IPAddress? = nil, listenPort: Int = 179,
                peers: [PeerSpec] = [], gracefulRestart: GracefulRestartCapability? = nil,
                policies: [String: RoutePolicy] = [:], clusterID: IPv4Address? = nil,
                decisionOptions: DecisionOptions = DecisionOptions(), reportReceivedRoutes: Bool = false,
                publishesRIBChanges: Bool = true) {
        self.localAS = localAS
        self.routerID = routerID
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.peers = peers
        self.gracefulRestart = gracefulRestart
        self.policies = policies
        self.clusterID = clusterID
        self.decisionOptions = decisionOptions
        self.reportReceivedRoutes = reportReceivedRoutes
        self.publishesRIBChanges = publishesRIBChanges
    }

    public static let builtInPolicies: [String: RoutePolicy] = ["all": .all, "none": .none, "default-route": .defaultRoute]

    /// The policy called `name`: a registered one, else a built-in.
    public func policy(named name: String) -> RoutePolicy? { policies[name] ?? Self.builtInPolicies[name] }

    /// Who we are for the propagation rules; a reflector as soon as a peer is a client.
    public var identity: SpeakerIdentity {
        let reflector = clusterID ?? (peers.contains(where: \.reflectorClient) ? routerID : nil)
        return SpeakerIdentity(localAS: localAS, routerID: routerID, clusterID: reflector)
    }

    /// What the RIB needs of `peer`: its policies resolved. Without `import=`/`export=`, RFC 8212:
    /// an eBGP peer imports and exports nothing, an iBGP peer everything.
    public func ribSettings(for peer: PeerSpec) throws(SpeakerConfigurationError) -> RIBPeerSettings {
        let asn = peer.remoteAS ?? localAS
        let external = asn != localAS
        func resolve(_ name: String?, _ direction: String) throws(SpeakerConfigurationError) -> RoutePolicy {
            guard let name else { return RoutePolicy.effective(nil, external: external) }
            guard let policy = policy(named: name) else {
                throw .unknownPolicy(peer: peer.address, direction: direction, name: name,
                                     known: Set(policies.keys).union(Self.builtInPolicies.keys).sorted())
            }
            return policy
        }
        return RIBPeerSettings(address: peer.address, asn: asn, isExternal: external, isReflectorClient: peer.reflectorClient,
                               importPolicy: try resolve(peer.importPolicy, "import"), exportPolicy: try resolve(peer.exportPolicy, "export"),
                               maxPrefixes: peer.maxPrefixes)
    }

    /// Every peer's policies exist, no peer twice, route-reflector clients only over iBGP.
    public func validate() throws(SpeakerConfigurationError) {
        var seen: Set<IPAddress> = []
        for peer in peers {
            guard seen.insert(peer.address).inserted else { throw .duplicatePeer(peer.address) }
            let settings = try ribSettings(for: peer)
            if settings.isReflectorClient, settings.isExternal { throw .externalReflectorClient(peer.address) }
        }
    }
}

/// A configuration the speaker cannot run with; nothing was started or changed.
public enum SpeakerConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownPolicy(peer: IPAddress, direction: String, name: String, known: [String])
    case duplicatePeer(IPAddress)
    case externalReflectorClient(IPAddress)
    case unknownPeer(IPAddress)

    public var description: String {
        switch self {
        case .unknownPolicy(let peer, let direction, let name, let known):
            "--peer \(peer): \(direction)=\(name) names no route policy; known: \(known.joined(separator: ", "))"
        case .duplicatePeer(let peer): "--peer \(peer) is configured twice; give each peer once"
        case .externalReflectorClient(let peer):
            "--peer \(peer): rr-client needs an iBGP peer (RFC 4456 reflects within one AS); drop rr-client or as="
        case .unknownPeer(let peer): "no peer \(peer) is configured"
        }
    }
}

/// A route this speaker originates: the prefix and the communities to tag it with.
public typealias OriginatedRoute = LocalRoute
