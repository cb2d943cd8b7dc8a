public import BGPWire
public import IPAddressing

/// The speaker as a whole: who we are, where we listen, whom we peer with, what we originate.
public struct SpeakerConfiguration: Sendable {
    public var localAS: UInt32
    public var routerID: IPv4Address
    /// Where to accept connections; nil to only connect out.
    public var listenAddress: IPAddress?
    public var listenPort: Int
    public var peers: [PeerSpec]
    /// Graceful restart to advertise (RFC 4724); nil to not advertise it.
    public var gracefulRestart: GracefulRestartCapability?

    public init(localAS: UInt32, routerID: IPv4Address, listenAddress: IPAddress? = nil, listenPort: Int = 179,
                peers: [PeerSpec] = [], gracefulRestart: GracefulRestartCapability? = nil) {
        self.localAS = localAS
        self.routerID = routerID
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.peers = peers
        self.gracefulRestart = gracefulRestart
    }
}

/// A route this speaker originates: the prefix and the communities to tag it with.
public struct OriginatedRoute: Hashable, Sendable {
    public var prefix: IPPrefix
    public var communities: [Community]
    public var largeCommunities: [LargeCommunity]

    public init(prefix: IPPrefix, communities: [Community] = [], largeCommunities: [LargeCommunity] = []) {
        self.prefix = prefix
        self.communities = communities
        self.largeCommunities = largeCommunities
    }
}
