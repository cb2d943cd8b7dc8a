public import BGPWire
public import IPAddressing

/// One configured peer as the RIB needs it.
public struct RIBPeerSettings: Hashable, Sendable {
    public var address: IPAddress
    public var asn: UInt32
    public var isExternal: Bool
    /// A route-reflector client of ours (RFC 4456).
    public var isReflectorClient: Bool
    public var importPolicy: RoutePolicy
    public var exportPolicy: RoutePolicy
    /// Maximum-prefix limit on accepted routes (RFC 4486).
    public var maxPrefixes: UInt32?

    public init(address: IPAddress, asn: UInt32, isExternal: Bool, isReflectorClient: Bool = false,
                importPolicy: RoutePolicy, exportPolicy: RoutePolicy, maxPrefixes: UInt32? = nil) {
        self.address = address
        self.asn = asn
        self.isExternal = isExternal
        self.isReflectorClient = isReflectorClient
        self.importPolicy = importPolicy
        self.exportPolicy = exportPolicy
        self.maxPrefixes = maxPrefixes
    }
}

/// What a session reports when it reaches Established.
public struct EstablishedPeer: Hashable, Sendable {
    public var routerID: IPv4Address
    public var families: Set<AddressFamily>
    /// Our addresses on the session for IPv4 and IPv6 routes (next hop self); nil when there is none.
    public var nextHopSelfV4: IPAddress?
    public var nextHopSelfV6: IPAddress?
    public var routeRefresh: Bool
    public var enhancedRouteRefresh: Bool
    /// The peer's graceful restart capability (RFC 4724), if it sent one.
    public var gracefulRestart: GracefulRestartCapability?

    public init(routerID: IPv4Address, families: Set<AddressFamily>, nextHopSelfV4: IPAddress?, nextHopSelfV6: IPAddress?,
                routeRefresh: Bool = true, enhancedRouteRefresh: Bool = false, gracefulRestart: GracefulRestartCapability? = nil) {
        self.routerID = routerID
        self.families = families
        self.nextHopSelfV4 = nextHopSelfV4
        self.nextHopSelfV6 = nextHopSelfV6
        self.routeRefresh = routeRefresh
        self.enhancedRouteRefresh = enhancedRouteRefresh
        self.gracefulRestart = gracefulRestart
    }
}

/// Per-peer figures for `routed status`.
public struct RIBPeerCounts: Hashable, Sendable {
    /// Prefixes announced by the peer in this session (re-announcements count again; BIRD's "import updates received").
    public var received: Int
    /// Paths of the peer in the Loc-RIB after import policy (stale ones included).
    public var accepted: Int
    /// Prefixes in the peer's Adj-RIB-Out.
    public var advertised: Int
}

/// One path as `routed routes` shows it: whether it is the selected one, and why it won.
public struct RIBRoute: Hashable, Sendable {
    public var path: RIBPath
    public var isBest: Bool
    public var reason: BestPathReason?
}

/// The speaker's routing: ONE Loc-RIB fed by every peer through its import policy, an Adj-RIB-Out
/// per Established peer fed from the Loc-RIB's changes through `Export` and its export policy,
/// originated routes as paths of the local pseudo-peer, and graceful restart and route refresh
/// bookkeeping. Pure: sessions report events, it returns what to send (`RIBOutput`); time comes in
/// as `staleTimerExpired`. `BGPSpeaker` runs one on one event loop; tests run several in memory.
public struct SpeakerRIB: Sendable {
    public let identity: SpeakerIdentity
    public private(set) var locRIB: LocRIB

    struct Peer: Sendable {
        var settings: RIBPeerSettings
        var id: PeerID
        var session: EstablishedPeer?
        var received = 0
        /// Check the maximum-prefix limit again once `received` passes this.
        var limitCheckAt = 0
        /// Stale paths kept from a restarted session (RFC 4724), swept at End-of-RIB or by the timer.
        var hasStale = false
        var pendingEndOfRIB: Set<AddressFamily> = []
        /// Families between the peer's BoRR and EoRR (RFC 7313 section 4).
        var refreshing: Set<AddressFamily> = []
        var restartTime: UInt16 = 0
    }

    private var peers: [IPAddress: Peer] = [:]
    /// The Adj-RIB-Out of each Established peer; apart from `peers` so that updating one never
    /// copies its set of advertised prefixes.
    private var outs: [IPAddress: AdjRIBOut] = [:]
    /// PeerIDs are never freed in the Loc-RIB: a peer removed and added again gets its old one back.
    private var retired: [IPAddress: PeerID] = [:]
    private let localID: PeerID
    private var originated: [IPPrefix: LocalRoute] = [:]
    /// The initial tables being sent, per peer (`continueTable`).
    private var walks: [IPAddress: TableWalk] = [:]
    /// Prefixes per step of an initial table: the first UPDATEs leave after this many, not after
    /// the whole table, and the RIB serves other work between steps.
    public var tableStep = 32_768

    /// A peer's initial table (RFC 4271 section 9.4 leaves its pacing to the implementation): the
    /// best routes when the session came up, walked in steps. A prefix whose best changed since is
    /// skipped: `distribute` already sent it its current route.
    struct TableWalk: Sendable {
        var table: LocRIB.TableSnapshot
        var cursor = LocRIB.TableSnapshot.Cursor()
        var changed = PrefixSet()
        var families: [AddressFamily]
        /// Whether the Adj-RIB-Out has room for the table yet (made after the first step, so
        /// the first UPDATE does not wait for it).
        var reserved = false
    }

    public init(identity: SpeakerIdentity, options: DecisionOptions = DecisionOptions()) {
        self.identity = identity
        var rib = LocRIB(options: options)
        localID = rib.addPeer(.local(routerID: identity.routerID, asn: identity.localAS))
        locRIB = rib
    }

    public var peerAddresses: [IPAddress] { peers.keys.sorted() }
    public func settings(of peer: IPAddress) -> RIBPeerSettings? { peers[peer]?.settings }

    // MARK: - Configuration

    /// Adds a peer, or changes one: a new import policy asks an Established peer for its routes
    /// again (ROUTE-REFRESH, RFC 2918) or resets it when it cannot; a new export policy sends the
    /// difference at once.
    public mutating func setPeer(_ settings: RIBPeerSettings) -> RIBOutput {
        var output = RIBOutput()
        let a = settings.address
        guard var peer = peers[a] else {
            let ribPeer = RIBPeer(address: a, asn: settings.asn, routerID: IPv4Address(0), isExternal: settings.isExternal,
                                  isReflectorClient: settings.isReflectorClient)
            let id: PeerID
            if let old = retired.removeValue(forKey: a) {
                id = old
                locRIB.updatePeer(id, ribPeer)
            } else {
                id = locRIB.addPeer(ribPeer)
            }
            peers[a] = Peer(settings: settings, id: id, limitCheckAt: Int(settings.maxPrefixes ?? UInt32.max))
            return output
        }
        let old = peer.settings
        peer.settings = settings
        peer.limitCheckAt = min(peer.limitCheckAt, peer.received + 1)
        var ribPeer = locRIB.peer(peer.id)
        ribPeer.isReflectorClient = settings.isReflectorClient
        locRIB.updatePeer(peer.id, ribPeer)
        if outs[a] != nil {
            outs[a]!.target = ribPeer
            outs[a]!.policy = settings.exportPolicy
            if old.exportPolicy != settings.exportPolicy || old.isReflectorClient != settings.isReflectorClient {
                let all = allRoutes(), id = identity
                let update = outs[a]!.update(all, identity: id)
                if !update.isEmpty { output.send(.update(update), to: a) }
                warn(update.problems, a, &output)
            }
        }
        if old.importPolicy != settings.importPolicy, let session = peer.session {
            if session.routeRefresh {
                for family in session.families.sorted(by: Self.familyOrder) {
                    output.send(.routeRefresh(RouteRefreshMessage(family: family)), to: a)
                }
            } else {
                output.send(.reset(reason: "import policy changed and the peer does not support route refresh (RFC 2918)"), to: a)
            }
        }
        peers[a] = peer
        return output
    }

    /// Forgets a peer: its paths leave the Loc-RIB (the transport ends its session).
    public mutating func removePeer(_ address: IPAddress) -> RIBOutput {
        var output = RIBOutput()
        guard let peer = peers.removeValue(forKey: address) else { return output }
        outs[address] = nil
        walks[address] = nil
        retired[address] = peer.id
        if peer.hasStale { output.timers.append(.stopStale(peer: address)) }
        distribute(locRIB.removePaths(of: peer.id), into: &output)
        return output
    }

    // MARK: - Session events

    /// The session reached Established: the peer gets the whole table, then End-of-RIB per family
    /// (RFC 4724 section 2, also after our own restart). Stale paths kept from its previous session
    /// stay until its End-of-RIB, unless its new OPEN says it did not keep forwarding state.
    public mutating func sessionEstablished(_ address: IPAddress, _ session: EstablishedPeer) -> RIBOutput {
        var output = RIBOutput()
        guard var peer = peers[address] else { return output }
        var ribPeer = locRIB.peer(peer.id)
        ribPeer.routerID = session.routerID
        locRIB.updatePeer(peer.id, ribPeer)
        peer.session = session
        peer.received = 0
        peer.limitCheckAt = Int(peer.settings.maxPrefixes ?? UInt32.max)
        peer.refreshing = []
        if peer.hasStale {
            // RFC 4724 section 4.2: without the capability, or without the Forwarding State bit for a
            // family, the stale routes go now; otherwise they wait for End-of-RIB (or the timer).
            let preserved = Set(session.gracefulRestart?.families.filter(\.forwardingPreserved).map(\.family) ?? [])
            if preserved.isEmpty {
                peer.hasStale = false
                output.timers.append(.stopStale(peer: address))
                distribute(locRIB.sweepStale(peer.id), into: &output)
            } else {
                peer.pendingEndOfRIB = session.families
                let time = session.gracefulRestart?.restartTime ?? 0
                output.timers.append(.startStale(peer: address, seconds: max(time, peer.restartTime)))
            }
        }
        peer.restartTime = session.gracefulRestart?.restartTime ?? 0
        outs[address] = AdjRIBOut(target: ribPeer, policy: peer.settings.exportPolicy, nextHopSelfV4: session.nextHopSelfV4,
                                  nextHopSelfV6: session.nextHopSelfV6, families: session.families)
        peers[address] = peer
        walks[address] = TableWalk(table: locRIB.snapshot(), families: session.families.sorted(by: Self.familyOrder))
        step(address, into: &output)
        return output
    }

    /// The next step of a peer's initial table (see `RIBOutput.tableWalks`); End-of-RIB per family
    /// after the last one.
    public mutating func continueTable(_ address: IPAddress) -> RIBOutput {
        var output = RIBOutput()
        step(address, into: &output)
        return output
    }

    private mutating func step(_ address: IPAddress, into output: inout RIBOutput) {
        guard var walk = walks.removeValue(forKey: address), outs[address] != nil else { return }
        let chunk = locRIB.bestRoutes(in: &walk.table, from: &walk.cursor, limit: tableStep, skipping: walk.changed)
        let id = identity
        let update = outs[address]!.update(chunk, identity: id)
        warn(update.problems, address, &output)
        if !update.isEmpty { output.send(.update(update), to: address) }
        if walk.table.isDone(walk.cursor) {
            for family in walk.families { output.send(.endOfRIB(family), to: address) }
        } else {
            if !walk.reserved { outs[address]!.reserve(ipv4: walk.table.count4); walk.reserved = true }
            walks[address] = walk
            output.tableWalks.append(address)
        }
    }

    /// The session left Established. With graceful restart (the FSM decided the peer keeps
    /// forwarding, RFC 4724 section 4.2) its paths stay, marked stale, for its restart time;
    /// otherwise they go now.
    public mutating func sessionDown(_ address: IPAddress, keepStale: Bool) -> RIBOutput {
        var output = RIBOutput()
        guard var peer = peers[address] else { return output }
        peer.session = nil
        outs[address] = nil
        walks[address] = nil
        peer.pendingEndOfRIB = []
        peer.refreshing = []
        if keepStale, peer.restartTime > 0 {
            locRIB.markStale(peer.id)
            peer.hasStale = true
            output.timers.append(.startStale(peer: address, seconds: peer.restartTime))
        } else {
            if peer.hasStale { output.timers.append(.stopStale(peer: address)) }
            peer.hasStale = false
            distribute(locRIB.removePaths(of: peer.id), into: &output)
        }
        peers[address] = peer
        return output
    }

    /// One received UPDATE: its withdrawals, then each group of announced prefixes through the loop
    /// checks and the import policy into the Loc-RIB.
    public mutating func received(withdrawn: [IPPrefix], announced: [RouteGroup], from address: IPAddress) -> RIBOutput {
        var output = RIBOutput()
        guard var peer = peers[address], peer.session != nil else { return output }
        var changes = RIBChanges()
        if !withdrawn.isEmpty { changes += locRIB.withdraw(withdrawn, from: peer.id) }
        for group in announced where !group.prefixes.isEmpty {
            peer.received += group.prefixes.count
            let result = ImportFilter.apply(group, policy: peer.settings.importPolicy, identity: identity)
            if let loop = result.loop { output.warnings.append((address, "ignored \(group.prefixes.count) routes: \(loop)")) }
            for accepted in result.accepted { changes += locRIB.announce(accepted.prefixes, attributes: accepted.attributes, from: peer.id) }
            if !result.rejected.isEmpty { changes += locRIB.withdraw(result.rejected, from: peer.id) }
        }
        if let limit = peer.settings.maxPrefixes, peer.received > peer.limitCheckAt {
            // Accepted paths grow by at most one per announced prefix: count them (a walk of the
            // table) only when the announcements since the last count could have passed the limit.
            let accepted = locRIB.pathCount(of: peer.id)
            if accepted > Int(limit) {
                let family: AddressFamily = announced.last?.prefixes.last?.isV4 == false ? .ipv6Unicast : .ipv4Unicast
                output.send(.maximumPrefixExceeded(family, limit: limit), to: address)
            } else {
                peer.limitCheckAt = peer.received + (Int(limit) - accepted)
            }
        }
        peers[address] = peer
        distribute(changes, into: &output)
        return output
    }

    /// The peer's End-of-RIB for `family`: once every family is in, stale paths not re-announced go.
    public mutating func endOfRIB(_ family: AddressFamily, from address: IPAddress) -> RIBOutput {
        var output = RIBOutput()
        guard var peer = peers[address], peer.hasStale else { return output }
        peer.pendingEndOfRIB.remove(family)
        if peer.pendingEndOfRIB.isEmpty {
            peer.hasStale = false
            output.timers.append(.stopStale(peer: address))
            distribute(locRIB.sweepStale(peer.id), into: &output)
        }
        peers[address] = peer
        return output
    }

    /// The restart (or stale) time ran out before the peer came back or finished: its stale paths go.
    public mutating func staleTimerExpired(_ address: IPAddress) -> RIBOutput {
        var output = RIBOutput()
        guard var peer = peers[address], peer.hasStale else { return output }
        peer.hasStale = false
        peer.pendingEndOfRIB = []
        peers[address] = peer
        distribute(locRIB.sweepStale(peer.id), into: &output)
        return output
    }

    /// A ROUTE-REFRESH from the peer. A request: its Adj-RIB-Out for the family again, between
    /// BoRR and EoRR when enhanced route refresh was negotiated (RFC 7313 section 4). BoRR/EoRR
    /// from the peer: its paths are marked stale at BoRR and those not re-sent go at EoRR.
    public mutating func routeRefresh(_ message: RouteRefreshMessage, from address: IPAddress) -> RIBOutput {
        var output = RIBOutput()
        guard var peer = peers[address], let session = peer.session else { return output }
        switch message.subtype {
        case .normal:
            guard outs[address] != nil, session.families.contains(message.family) else { return output }
            let enhanced = session.enhancedRouteRefresh
            if enhanced { output.send(.routeRefresh(RouteRefreshMessage(family: message.family, subtype: .beginningOfRouteRefresh)), to: address) }
            let family = message.family == .ipv4Unicast ? locRIB.bestRoutes(v4: true)
                : message.family == .ipv6Unicast ? locRIB.bestRoutes(v4: false) : RIBChanges()
            let id = identity
            let update = outs[address]!.update(family, identity: id)
            warn(update.problems, address, &output)
            if !update.isEmpty { output.send(.update(update), to: address) }
            if enhanced { output.send(.routeRefresh(RouteRefreshMessage(family: message.family, subtype: .endOfRouteRefresh)), to: address) }
        case .beginningOfRouteRefresh:
            if !peer.hasStale, peer.refreshing.insert(message.family).inserted {
                let v4 = message.family == .ipv4Unicast
                locRIB.markStale(peer.id) { $0.isV4 == v4 }
            }
        case .endOfRouteRefresh:
            guard peer.refreshing.remove(message.family) != nil, peer.refreshing.isEmpty, !peer.hasStale else { break }
            distribute(locRIB.sweepStale(peer.id), into: &output)
        default:
            break
        }
        peers[address] = peer
        return output
    }

    // MARK: - Local routes and next hops

    /// Replaces the routes this speaker originates. Routes are grouped by their communities (the
    /// attribute set is built once per group, consecutive routes sharing them cost no hashing), and a
    /// first origination (nothing before, no duplicates) looks each prefix up once.
    public mutating func originate(_ routes: [LocalRoute]) -> RIBOutput {
        var output = RIBOutput()
        var next: [IPPrefix: LocalRoute] = [:]
        next.reserveCapacity(routes.count)
        for r in routes { next[r.prefix] = r }
        let gone = originated.keys.filter { next[$0] == nil }.sorted()
        var changes = locRIB.withdraw(gone, from: localID)
        let duplicates = next.count != routes.count, fresh = originated.isEmpty
        var groups: [LocalRoute.Tags: Int] = [:]
        var lists: [(tags: LocalRoute.Tags, prefixes: [IPPrefix])] = []
        var last = -1
        for r in routes where (fresh || originated[r.prefix] != r) && (!duplicates || next[r.prefix] == r) {
            if last < 0 || lists[last].tags != r.tags {
                if let i = groups[r.tags] { last = i } else {
                    last = lists.count
                    groups[r.tags] = last
                    lists.append((r.tags, []))
                }
            }
            lists[last].prefixes.append(r.prefix)
        }
        for (tags, prefixes) in lists { changes += locRIB.announce(prefixes, attributes: tags.attributes, from: localID) }
        originated = next
        distribute(changes, into: &output)
        return output
    }

    /// Next-hop reachability and IGP costs (see `LocRIB.setNextHopCosts`).
    public mutating func setNextHopCosts(_ costs: [IPAddress: UInt32]?) -> RIBOutput {
        var output = RIBOutput()
        distribute(locRIB.setNextHopCosts(costs), into: &output)
        return output
    }

    // MARK: - Reading

    public func counts(of address: IPAddress) -> RIBPeerCounts? {
        guard let peer = peers[address] else { return nil }
        return RIBPeerCounts(received: peer.received, accepted: locRIB.pathCount(of: peer.id), advertised: outs[address]?.advertised.count ?? 0)
    }

    /// Every path to `prefix` (or to every prefix), the selected one first with its reason.
    public func routes(_ prefix: IPPrefix? = nil) -> [RIBRoute] {
        let prefixes = prefix.map { [$0] } ?? locRIB.prefixes.sorted()
        var out: [RIBRoute] = []
        for p in prefixes {
            let best = locRIB.best(p)
            var paths = locRIB.paths(p).map { path in
                let isBest = best.map { $0.peer == path.peer && $0.attributes == path.attributes } ?? false
                return RIBRoute(path: path, isBest: isBest, reason: isBest ? best?.reason : nil)
            }
            if let i = paths.firstIndex(where: \.isBest), i > 0 { paths.insert(paths.remove(at: i), at: 0) }
            out += paths
        }
        return out
    }

    // MARK: - Internals

    private func allRoutes() -> RIBChanges { locRIB.bestRoutes() }

    /// Hands a batch of Loc-RIB changes to every Established peer's Adj-RIB-Out.
    private mutating func distribute(_ changes: RIBChanges, into output: inout RIBOutput) {
        guard !changes.isEmpty else { return }
        output.changes += changes
        for address in walks.keys {
            // Sent now with its current route: the walk of the initial table skips it.
            for run in changes.runs { for p in run.prefixes { walks[address]!.changed.insert(p) } }
        }
        let id = identity
        for address in outs.keys.sorted() {
            let update = outs[address]!.update(changes, identity: id)
            warn(update.problems, address, &output)
            if !update.isEmpty { output.send(.update(update), to: address) }
        }
    }

    private func warn(_ problems: [String], _ peer: IPAddress, _ output: inout RIBOutput) {
        for p in problems.prefix(3) { output.warnings.append((peer, p)) }
        if problems.count > 3 { output.warnings.append((peer, "and \(problems.count - 3) more routes without a next hop")) }
    }

    static func familyOrder(_ a: AddressFamily, _ b: AddressFamily) -> Bool {
        (a.afi.rawValue, a.safi.rawValue) < (b.afi.rawValue, b.safi.rawValue)
    }
}
