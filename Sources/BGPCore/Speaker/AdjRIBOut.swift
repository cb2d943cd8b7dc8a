public import BGPWire
public import IPAddressing

/// What one peer is to be sent: announcements grouped by attribute set (ready for `UpdatePacker`)
/// and withdrawals.
public struct OutboundUpdate: Sendable {
    public var announcements: [UpdatePacker.Announcement] = []
    public var withdrawn: [IPPrefix] = []
    /// Routes that could not be sent, with the reason (no next hop of the right family).
    public var problems: [String] = []

    public init() {}

    public var isEmpty: Bool { announcements.isEmpty && withdrawn.isEmpty }
    public var announcedCount: Int { announcements.reduce(0) { $0 + $1.ipv4.count + $1.ipv6.count } }
}

/// The Adj-RIB-Out of one peer (RFC 4271 section 3.2): which prefixes it was sent, so that a best
/// route that may no longer go to it is withdrawn exactly when it had been announced. The
/// attributes follow from `Export` (reflection, eBGP rewriting, NO_EXPORT) and the export policy.
public struct AdjRIBOut: Sendable {
    public var target: RIBPeer
    public var policy: RoutePolicy
    /// Our address for IPv4 routes on this session (next hop self), and for IPv6 routes.
    public var nextHopSelfV4: IPAddress?
    public var nextHopSelfV6: IPAddress?
    public var families: Set<AddressFamily>
    public private(set) var advertised: Set<IPPrefix> = []

    public init(target: RIBPeer, policy: RoutePolicy, nextHopSelfV4: IPAddress?, nextHopSelfV6: IPAddress?,
                families: Set<AddressFamily>) {
        self.target = target
        self.policy = policy
        self.nextHopSelfV4 = nextHopSelfV4
        self.nextHopSelfV6 = nextHopSelfV6
        self.families = families
    }

    /// The prefixes of `changes` as this peer is to see them, and the new Adj-RIB-Out. Changes
    /// that share the best route's attributes (one received UPDATE) are exported once; the export
    /// policy runs per prefix only when it has terms.
    public mutating func update(_ changes: [RIBChange], identity: SpeakerIdentity) -> OutboundUpdate {
        var out = OutboundUpdate()
        var cache: (source: RouteAttributes, peer: RIBPeer, v4: Bool, exported: RouteAttributes?)?
        var groupIndex: [GroupKey: Int] = [:]
        for change in changes {
            let prefix = change.prefix
            let v4 = prefix.isV4
            guard families.contains(v4 ? .ipv4Unicast : .ipv6Unicast) else { continue }
            guard let best = change.best else {
                if advertised.remove(prefix) != nil { out.withdrawn.append(prefix) }
                continue
            }
            let exported: RouteAttributes?
            if let c = cache, c.v4 == v4, c.peer == best.peer, c.source == best.attributes {
                exported = c.exported
            } else {
                exported = export(best, v4: v4, identity: identity, problems: &out.problems)
                cache = (best.attributes, best.peer, v4, exported)
            }
            var final = exported
            if let e = exported {
                if !policy.terms.isEmpty { final = policy.evaluate(prefix, e) } else if policy.defaultAction == .reject { final = nil }
            }
            guard let route = final, let nextHop = Self.wireNextHop(route, v4: v4) else {
                if advertised.remove(prefix) != nil { out.withdrawn.append(prefix) }
                continue
            }
            advertised.insert(prefix)
            let key = GroupKey(attributes: route.attributes, nextHop: nextHop.mp)
            let i: Int
            if let last = out.announcements.indices.last, out.announcements[last].attributes == key.attributes,
               out.announcements[last].nextHop == key.nextHop {
                i = last
            } else if let found = groupIndex[key] {
                i = found
            } else {
                i = out.announcements.count
                groupIndex[key] = i
                out.announcements.append(UpdatePacker.Announcement(attributes: key.attributes, nextHop: key.nextHop))
            }
            switch prefix {
            case .v4(let p): out.announcements[i].ipv4.append(p)
            case .v6(let p): out.announcements[i].ipv6.append(p)
            }
        }
        return out
    }

    /// Forgets everything sent (the session went down).
    public mutating func reset() { advertised = [] }

    private struct GroupKey: Hashable {
        var attributes: PathAttributes
        var nextHop: NextHop?
    }

    private func export(_ best: SelectedRoute, v4: Bool, identity: SpeakerIdentity, problems: inout [String]) -> RouteAttributes? {
        let needsSelf = target.isExternal || best.peer.isLocal
        let own = v4 ? nextHopSelfV4 : nextHopSelfV6
        if needsSelf, own == nil {
            problems.append("no \(v4 ? "IPv4" : "IPv6") next hop toward \(target.address) for \(best.prefix): set \(v4 ? "next-hop=" : "next-hop6=") on the peer")
            return nil
        }
        // Export only reads nextHopSelf when it rewrites the next hop.
        let placeholder = own ?? best.attributes.nextHop ?? target.address
        return Export.attributes(for: best, to: target, identity: identity, nextHopSelf: placeholder)
    }

    /// Where the next hop travels: IPv4 routes with an IPv4 next hop in NEXT_HOP (nil here), the
    /// rest in MP_REACH_NLRI (RFC 4760; IPv4 over an IPv6 next hop per RFC 8950).
    private static func wireNextHop(_ route: RouteAttributes, v4: Bool) -> (mp: NextHop?, valid: Bool)? {
        switch (route.nextHop, v4) {
        case (.v4?, true): return (nil, true)
        case (.v6(let a)?, _): return (.ipv6(a, linkLocal: nil), true)
        default: return nil
        }
    }
}
