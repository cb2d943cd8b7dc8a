public import BGPWire
public import IPAddressing

/// A route this speaker originates (`OriginatedRoute` to `BGPSpeaker`'s users): the prefix and the communities to tag it with (a host's block
/// carries the large community naming its network). In the Loc-RIB it is a path of the local
/// pseudo-peer (`RIBPeer.local`) with ORIGIN IGP and an empty AS_PATH, like BIRD's static protocol.
public struct LocalRoute: Hashable, Sendable {
    public var prefix: IPPrefix
    public var communities: [Community]
    public var largeCommunities: [LargeCommunity]

    public init(prefix: IPPrefix, communities: [Community] = [], largeCommunities: [LargeCommunity] = []) {
        self.prefix = prefix
        self.communities = communities
        self.largeCommunities = largeCommunities
    }

    /// The attributes the Loc-RIB keeps for it; the next hop is set per session on export (next hop self).
    public var attributes: RouteAttributes { tags.attributes }

    /// What sets its attributes apart from another local route's.
    struct Tags: Hashable {
        var communities: [Community]
        var largeCommunities: [LargeCommunity]

        var attributes: RouteAttributes {
            var a = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(.empty))])
            if !communities.isEmpty { a.set(.communities(communities)) }
            if !largeCommunities.isEmpty { a.set(.largeCommunities(largeCommunities)) }
            return RouteAttributes(attributes: a, nextHop: nil)
        }
    }

    var tags: Tags { Tags(communities: communities, largeCommunities: largeCommunities) }
}
