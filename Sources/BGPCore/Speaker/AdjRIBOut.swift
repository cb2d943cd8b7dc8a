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
    /// The prefixes this peer was sent.
    public private(set) var advertised = PrefixSet()

    public init(target: RIBPeer, policy: RoutePolicy, nextHopSelfV4: IPAddress?, nextHopSelfV6: IPAddress?,
                families: Set<AddressFamily>) {
        self.target = target
        self.policy = policy
        self.nextHopSelfV4 = nextHopSelfV4
        self.nextHopSelfV6 = nextHopSelfV6
        self.families = families
    }

    /// Room for `n` IPv4 prefixes in `advertised`, so a large initial table does not stop to
    /// rehash it at every doubling (the last, at 750,000 of a million, took ~50 ms).
    public mutating func reserve(ipv4 n: Int) {
        if families.contains(.ipv4Unicast) { advertised.reserveIPv4(n) }
    }

    /// How the prefixes of one family in one run of changes go to this peer.
    private enum Treatment {
        /// The family was not negotiated: nothing is sent, nothing withdrawn.
        case skip
        /// Not exported: withdrawn where it had been announced.
        case withdraw
        /// Announced in the group at this index of the outbound update.
        case announce(Int)
        /// The export policy decides per prefix, from the exported attributes at this index of
        /// `exports` (an index, so that copying a treatment per prefix copies no reference).
        case evaluate(Int)
    }

    /// The prefixes of `changes` as this peer is to see them, and the new Adj-RIB-Out. The export
    /// rules run once per run of changes sharing a best route (one received UPDATE) and family; the
    /// export policy runs per prefix only when it has terms. A run the peer gets nothing from costs
    /// nothing per prefix when it was never sent any of them.
    public mutating func update(_ changes: RIBChanges, identity: SpeakerIdentity) -> OutboundUpdate {
        var out = OutboundUpdate()
        var groupIndex: [GroupKey: Int] = [:]
        var exports: [RouteAttributes] = []
        let families = (v4: families.contains(.ipv4Unicast), v6: families.contains(.ipv6Unicast))
        for run in changes.runs {
            // Per family, decided at the run's first prefix of that family.
            var v4: Treatment?, v6: Treatment?
            if run.best == nil {
                if advertised.isEmpty { continue }
                v4 = families.v4 ? .withdraw : .skip
                v6 = families.v6 ? .withdraw : .skip
            }
            var touched: UInt64 = 0
            defer { advertised.keepTouched(touched) }
            for (i, prefix) in run.prefixes.enumerated() {
                let isV4 = prefix.isV4
                let treatment: Treatment
                if let t = isV4 ? v4 : v6 {
                    treatment = t
                } else {
                    treatment = treat(run.best!.selected(for: prefix), v4: isV4, identity: identity, in: &out, groupIndex: &groupIndex,
                                      exports: &exports)
                    if isV4 { v4 = treatment } else { v6 = treatment }
                    if isV4, advertised.isEmpty, case .announce(let i) = treatment {
                        // A new peer's whole table is one run: grow the set and the group once.
                        advertised.reserveIPv4(run.prefixes.count)
                        out.announcements[i].ipv4.reserveCapacity(out.announcements[i].ipv4.count + run.prefixes.count)
                    }
                }
                if case .skip = treatment { continue }
                // The set is read for this prefix: start the cache miss of a later one now (a
                // long run is mostly new to `advertised`). Runs this peer gets nothing of skip it.
                if i + LocRIB.lookahead < run.prefixes.count { touched &+= advertised.touch(run.prefixes[i + LocRIB.lookahead]) }
                switch treatment {
                case .skip:
                    continue
                case .withdraw:
                    if !advertised.isEmpty, advertised.remove(prefix) { out.withdrawn.append(prefix) }
                case .announce(let i):
                    advertised.insert(prefix)
                    out.announcements[i].append(prefix)
                case .evaluate(let e):
                    guard let route = policy.evaluate(prefix, exports[e]), let nextHop = Self.wireNextHop(route, v4: isV4) else {
                        if advertised.remove(prefix) { out.withdrawn.append(prefix) }
                        continue
                    }
                    advertised.insert(prefix)
                    let i = group(GroupKey(attributes: route.attributes, nextHop: nextHop.mp), in: &out, groupIndex: &groupIndex)
                    out.announcements[i].append(prefix)
                }
            }
        }
        return out
    }

    /// The export rules and the export policy for one family of one run (`route` is its first prefix).
    private func treat(_ route: SelectedRoute, v4: Bool, identity: SpeakerIdentity, in out: inout OutboundUpdate,
                       groupIndex: inout [GroupKey: Int], exports: inout [RouteAttributes]) -> Treatment {
        guard families.contains(v4 ? .ipv4Unicast : .ipv6Unicast) else { return .skip }
        guard let exported = export(route, v4: v4, identity: identity, problems: &out.problems) else { return .withdraw }
        if !policy.terms.isEmpty {
            exports.append(exported)
            return .evaluate(exports.count - 1)
        }
        guard policy.defaultAction != .reject, let nextHop = Self.wireNextHop(exported, v4: v4) else { return .withdraw }
        return .announce(group(GroupKey(attributes: exported.attributes, nextHop: nextHop.mp), in: &out, groupIndex: &groupIndex))
    }

    /// The index of the announcement group for `key` in `out`, added when new.
    private func group(_ key: GroupKey, in out: inout OutboundUpdate, groupIndex: inout [GroupKey: Int]) -> Int {
        if let last = out.announcements.indices.last, out.announcements[last].attributes == key.attributes,
           out.announcements[last].nextHop == key.nextHop {
            return last
        }
        if let found = groupIndex[key] { return found }
        let i = out.announcements.count
        groupIndex[key] = i
        out.announcements.append(UpdatePacker.Announcement(attributes: key.attributes, nextHop: key.nextHop))
        return i
    }

    /// Forgets everything sent (the session went down).
    public mutating func reset() { advertised = PrefixSet() }

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

extension UpdatePacker.Announcement {
    mutating func append(_ prefix: IPPrefix) {
        switch prefix {
        case .v4(let p): ipv4.append(p)
        case .v6(let p): ipv6.append(p)
        }
    }
}
