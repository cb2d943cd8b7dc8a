public import BGPWire
public import IPAddressing

/// Who this speaker is, for the propagation rules.
public struct SpeakerIdentity: Hashable, Sendable {
    public var localAS: UInt32
    public var routerID: IPv4Address
    /// Set when this speaker is a route reflector (RFC 4456); usually its router ID.
    public var clusterID: IPv4Address?

    public init(localAS: UInt32, routerID: IPv4Address, clusterID: IPv4Address? = nil) {
        self.localAS = localAS
        self.routerID = routerID
        self.clusterID = clusterID
    }
}

/// Checks on a received route before import policy.
public enum ImportCheck {
    /// Why the route must be ignored, or nil: our AS in AS_PATH (RFC 4271 section 9.1.2), our
    /// router ID as ORIGINATOR_ID or our cluster ID in CLUSTER_LIST (RFC 4456 section 8).
    public static func loop(in a: PathAttributes, identity: SpeakerIdentity) -> String? {
        if let path = a.asPath, path.contains(identity.localAS) { return "AS_PATH contains our AS \(identity.localAS)" }
        if a.originatorID == identity.routerID { return "ORIGINATOR_ID is our router ID" }
        if let cluster = identity.clusterID, a.clusterList.contains(cluster.value) { return "CLUSTER_LIST contains our cluster ID" }
        return nil
    }
}

/// What goes to whom (RFC 4271 sections 5.1 and 9.2, RFC 4456 sections 8 and 9, RFC 1997).
public enum Export {
    /// The attributes `route` is advertised to `target` with, or nil when it is not advertised.
    /// `nextHopSelf` is our address on the session with `target`.
    public static func attributes(for route: SelectedRoute, to target: RIBPeer, identity: SpeakerIdentity,
                                  nextHopSelf: IPAddress) -> RouteAttributes? {
        let source = route.peer
        // Never back to the peer it came from.
        if !source.isLocal, source.address == target.address { return nil }
        let communities = route.attributes.attributes.communities
        if communities.contains(.noAdvertise) { return nil }
        if target.isExternal, communities.contains(.noExport) || communities.contains(.noExportSubconfed) { return nil }
        let fromInternal = !source.isLocal && !source.isExternal
        if fromInternal, !target.isExternal {
            // RFC 4456 section 8: only a reflector passes iBGP routes to iBGP peers; from a client to
            // everyone, from a non-client to clients only.
            guard identity.clusterID != nil, source.isReflectorClient || target.isReflectorClient else { return nil }
        }
        var a = route.attributes.attributes.propagated()
        var nextHop = route.attributes.nextHop
        if target.isExternal {
            // RFC 4271 section 5.1.2/5.1.3: our AS in front, us as the next hop; LOCAL_PREF and the
            // iBGP-only attributes stay inside the AS; a MED from another AS is not passed on (5.1.4).
            a.set(.asPath((a.asPath ?? .empty).prepending(identity.localAS)))
            a.remove(.localPref)
            a.remove(.originatorID)
            a.remove(.clusterList)
            if !source.isLocal { a.remove(.multiExitDisc) }
            nextHop = nextHopSelf
        } else {
            if a.localPref == nil { a.set(.localPref(DecisionKey.defaultLocalPref)) }
            if source.isLocal { nextHop = nextHopSelf }
            if fromInternal, let cluster = identity.clusterID {
                // RFC 4456 section 8: ORIGINATOR_ID once, our cluster in front of CLUSTER_LIST.
                if a.originatorID == nil { a.set(.originatorID(source.routerID)) }
                a.set(.clusterList([cluster.value] + a.clusterList))
            }
        }
        if case .v4(let v4)? = nextHop, route.prefix.isV4 { a.set(.nextHop(v4)) } else { a.remove(.nextHop) }
        return RouteAttributes(attributes: a, nextHop: nextHop)
    }
}
