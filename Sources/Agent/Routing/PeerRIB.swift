public import AgentAPI
public import BGPCore
public import BGPSpeaker
import BGPWire
public import Foundation
public import IPAddressing
public import IPAM

/// The agent's view of BGP while the speaker does not own a Loc-RIB yet: each peer's session
/// state and counters, and one `LocRIB` fed with what each peer sends after its import policy.
/// Pure: speaker events in, `RIBChange`s out. (`BGPSpeakerAdapter` and `InMemorySpeaker` drive it;
/// it goes away when `BGPSpeaker.ribChanges` lands.)
public struct PeerRIB: Sendable {
    public struct PeerState: Sendable {
        public var peer: AgentPeer
        public var id: PeerID
        public var state = "Idle"
        public var since: Date
        public var lastError: String?
        public var received: Set<IPPrefix> = []
        /// Marked stale at a graceful-restart session loss; swept at its End-of-RIB.
        public var hasStale = false
        /// Established and End-of-RIB not yet received.
        public var awaitingEndOfRIB = false
    }

    public let localAS: UInt32
    public let routerID: IPv4Address
    public var pools: [Pool]
    public var routePolicies: [String: [PrefixMatch]]
    public private(set) var rib = LocRIB()
    public private(set) var peers: [IPAddress: PeerState] = [:]
    /// Updates received / sent, for the metrics.
    public private(set) var updatesIn = 0

    public init(localAS: UInt32, routerID: IPv4Address, pools: [Pool], routePolicies: [String: [PrefixMatch]] = [:]) {
        self.localAS = localAS
        self.routerID = routerID
        self.pools = pools
        self.routePolicies = routePolicies
    }

    public mutating func addPeer(_ p: AgentPeer, at now: Date) throws(RoutingError) {
        guard peers[p.address] == nil else { throw .peerExists(p.address) }
        let asn = p.spec.remoteAS ?? localAS
        let routerID: IPv4Address = if case .v4(let a) = p.address { a } else { IPv4Address(0) }
        let id = rib.addPeer(RIBPeer(address: p.address, asn: asn, routerID: routerID, isExternal: asn != localAS,
                                     isReflectorClient: p.kind == .rrClient))
        peers[p.address] = PeerState(peer: p, id: id, since: now)
    }

    /// Removes the peer and every path it gave.
    public mutating func removePeer(_ address: IPAddress) throws(RoutingError) -> [RIBChange] {
        guard let s = peers.removeValue(forKey: address) else { throw .unknownPeer(address) }
        return Array(rib.removePaths(of: s.id))
    }

    /// Routes from a peer: withdrawals, then announcements that pass its import policy (a route
    /// the policy refuses withdraws an earlier path of the same prefix).
    public mutating func learn(from address: IPAddress, announced: [ReceivedRoute], withdrawn: [IPPrefix]) -> [RIBChange] {
        guard var s = peers[address] else { return [] }
        updatesIn += 1
        var changes = rib.withdraw(withdrawn, from: s.id)
        for p in withdrawn { s.received.remove(p) }
        let filter = RouteFilter(name: s.peer.effectiveImport, named: routePolicies) ?? .none
        var refused: [IPPrefix] = []
        for r in announced {
            s.received.insert(r.prefix)
            if filter.accepts(r.prefix, pools: pools) {
                changes += rib.announce([r.prefix], attributes: RouteAttributes(attributes: r.attributes, nextHop: r.nextHop), from: s.id)
            } else {
                refused.append(r.prefix)
            }
        }
        changes += rib.withdraw(refused, from: s.id)
        peers[address] = s
        return Self.merged(Array(changes))
    }

    public mutating func stateChanged(_ address: IPAddress, to state: String, reason: String, at now: Date) {
        guard peers[address] != nil else { return }
        peers[address]!.state = state
        peers[address]!.since = now
        if state != "Established", !reason.isEmpty, reason != "start", !reason.hasPrefix("TCP connection established") {
            peers[address]!.lastError = reason
        }
        if state == "Established" { peers[address]!.awaitingEndOfRIB = true }
    }

    /// The session went down; with graceful restart (RFC 4724 section 4.2) the peer's paths stay,
    /// marked stale, until its End-of-RIB; otherwise they go now.
    public mutating func sessionDown(_ address: IPAddress, reason: String, keepsRoutes: Bool) -> [RIBChange] {
        guard var s = peers[address] else { return [] }
        s.lastError = reason
        s.awaitingEndOfRIB = false
        defer { peers[address] = s }
        if keepsRoutes {
            rib.markStale(s.id)
            s.hasStale = true
            return []
        }
        s.received = []
        return Array(rib.removePaths(of: s.id))
    }

    public mutating func endOfRIB(_ address: IPAddress) -> [RIBChange] {
        guard var s = peers[address] else { return [] }
        s.awaitingEndOfRIB = false
        defer { peers[address] = s }
        guard s.hasStale else { return [] }
        s.hasStale = false
        return Array(rib.sweepStale(s.id))
    }

    /// No Established peer still owes its End-of-RIB.
    public var converged: Bool { !peers.values.contains { $0.awaitingEndOfRIB } }

    /// Several changes of one prefix in a batch: the last one holds.
    static func merged(_ changes: [RIBChange]) -> [RIBChange] {
        guard changes.count > 1 else { return changes }
        var last: [IPPrefix: Int] = [:]
        for (i, c) in changes.enumerated() { last[c.prefix] = i }
        return changes.enumerated().filter { last[$0.element.prefix] == $0.offset }.map(\.element)
    }

    public func routeInfos(prefix: IPPrefix?, networkNames: [UInt32: String]) -> [RouteInfo] {
        let prefixes = prefix.map { [$0] } ?? rib.routes.map(\.prefix)
        var out: [RouteInfo] = []
        for p in prefixes {
            let best = rib.best(p)
            for path in rib.paths(p) {
                let a = path.attributes.attributes
                let isBest = best.map { $0.peer == path.peer && $0.attributes == path.attributes } ?? false
                let network = a.largeCommunities.first { $0.localData1 == 1 }.flatMap { networkNames[$0.localData2] }
                out.append(RouteInfo(
                    prefix: "\(p)", nextHops: isBest && !(best?.multipathNextHops.isEmpty ?? true)
                        ? best!.multipathNextHops.map(\.description) : path.attributes.nextHop.map { ["\($0)"] } ?? [],
                    from: "\(path.peer.address)", asPath: a.asPath.map(\.description) ?? "",
                    origin: a.origin.map(\.description) ?? "", localPref: a.localPref, med: a.multiExitDisc,
                    communities: a.communities.map(\.description), largeCommunities: a.largeCommunities.map(\.description),
                    best: isBest, reason: isBest ? best!.reason.description : (path.stale ? "stale (peer restarting)" : "not best"),
                    network: network))
            }
        }
        return out
    }

    public func peerInfos(advertised: [IPAddress: Int]) -> [PeerInfo] {
        peers.values.sorted { $0.peer.address < $1.peer.address }.map { s in
            PeerInfo(address: "\(s.peer.address)", remoteAS: s.peer.spec.remoteAS ?? localAS, type: s.peer.kind.rawValue,
                     state: s.state, since: s.since, prefixesReceived: s.received.count,
                     prefixesAccepted: rib.pathCount(of: s.id), prefixesAdvertised: advertised[s.peer.address] ?? 0,
                     importPolicy: s.peer.effectiveImport, exportPolicy: s.peer.effectiveExport, lastError: s.lastError)
        }
    }
}
