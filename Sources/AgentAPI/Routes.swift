/// `GET /v1/routes`: one path of the RIB, as `routed routes` shows it.
public struct RouteInfo: Codable, Hashable, Sendable {
    public var prefix: String
    /// The next hop(s) the FIB uses (several with multipath).
    public var nextHops: [String]
    /// The peer the path came from, or `local` for routes this agent originates.
    public var from: String
    public var asPath: String
    public var origin: String
    public var localPref: UInt32?
    public var med: UInt32?
    public var communities: [String]
    public var largeCommunities: [String]
    /// This path is the selected (best) one.
    public var best: Bool
    /// Why the best path won (the decision step that decided), or why this one is not used.
    public var reason: String
    /// The network the route's large community names, when it names one this agent knows.
    public var network: String?

    public init(prefix: String, nextHops: [String], from: String, asPath: String, origin: String, localPref: UInt32?,
                med: UInt32?, communities: [String], largeCommunities: [String], best: Bool, reason: String, network: String?) {
        self.prefix = prefix
        self.nextHops = nextHops
        self.from = from
        self.asPath = asPath
        self.origin = origin
        self.localPref = localPref
        self.med = med
        self.communities = communities
        self.largeCommunities = largeCommunities
        self.best = best
        self.reason = reason
        self.network = network
    }
}
