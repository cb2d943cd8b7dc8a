import BGPWire
import IPAddressing
@testable import BGPCore

// The Loc-RIB as it was before its storage was made compact: a dictionary of path arrays and one of
// stored best routes. The storage tests run it beside `LocRIB` as the reference of behaviour.

struct ReferencePath: Hashable {
    var peer: PeerID
    var pathID: UInt32
    var attributes: UInt32
    var stale: Bool
}

struct ReferenceRIB {
    var options: DecisionOptions
    private var peers: [RIBPeer] = []
    private var table: [IPPrefix: [ReferencePath]] = [:]
    private var bests: [IPPrefix: SelectedRoute] = [:]
    private var attributeTable = AttributeTable()
    /// nil: every next hop resolves with cost 0. Otherwise a next hop must be a key to be eligible
    /// (RFC 4271 section 9.1.2: unresolvable routes are not candidates), its value being the IGP cost.
    private var nextHopCosts: [IPAddress: UInt32]?

    init(options: DecisionOptions = DecisionOptions()) { self.options = options }

    var prefixCount: Int { table.count }
    var pathCount: Int { table.values.reduce(0) { $0 + $1.count } }
    /// Distinct attribute sets held (interning at work: far fewer than paths).
    var attributeSetCount: Int { attributeTable.count }

    mutating func addPeer(_ peer: RIBPeer) -> PeerID {
        peers.append(peer)
        return PeerID(rawValue: UInt16(peers.count - 1))
    }

    func peer(_ id: PeerID) -> RIBPeer { peers[Int(id.rawValue)] }

    /// Replaces what the RIB knows of a peer (its BGP identifier is only known once its OPEN is in).
    /// Prefixes the peer has paths for are not decided again: call this before announcing.
    mutating func updatePeer(_ id: PeerID, _ peer: RIBPeer) { peers[Int(id.rawValue)] = peer }

    /// Every path to `prefix` (`routed routes`), the selected one first.
    func paths(_ prefix: IPPrefix) -> [RIBPath] {
        let best = bests[prefix]
        return (table[prefix] ?? []).map { p in
            RIBPath(prefix: prefix, peer: peers[Int(p.peer.rawValue)], pathID: p.pathID,
                    attributes: attributeTable[p.attributes].value, stale: p.stale)
        }.sorted { a, _ in a.peer == best?.peer && a.attributes == best?.attributes }
    }

    /// How many paths `peer` has in the RIB (its accepted prefixes).
    func pathCount(of peer: PeerID) -> Int {
        table.values.reduce(0) { n, paths in n + paths.reduce(0) { $0 + ($1.peer == peer ? 1 : 0) } }
    }

    func best(_ prefix: IPPrefix) -> SelectedRoute? { bests[prefix] }

    /// Every best route, in prefix order.
    var routes: [SelectedRoute] { bests.values.sorted { $0.prefix < $1.prefix } }

    /// Paths `peer` announces: each prefix gets (or replaces) the path with its identifier.
    mutating func announce(_ prefixes: [IPPrefix], pathIDs: [UInt32] = [], attributes: RouteAttributes,
                                  from peer: PeerID) -> [RIBChange] {
        var changes: [RIBChange] = []
        let handle = attributeTable.intern(attributes)
        for (i, prefix) in prefixes.enumerated() {
            let id = pathIDs.isEmpty ? 0 : pathIDs[i]
            var paths = table[prefix] ?? []
            if i > 0 { attributeTable.retain(handle) }
            let path = ReferencePath(peer: peer, pathID: id, attributes: handle, stale: false)
            if let existing = paths.firstIndex(where: { $0.peer == peer && $0.pathID == id }) {
                attributeTable.release(paths[existing].attributes)
                paths[existing] = path
            } else {
                paths.append(path)
            }
            table[prefix] = paths
            if let change = decide(prefix) { changes.append(change) }
        }
        if prefixes.isEmpty { attributeTable.release(handle) }
        return changes
    }

    /// Paths `peer` withdraws.
    mutating func withdraw(_ prefixes: [IPPrefix], pathIDs: [UInt32] = [], from peer: PeerID) -> [RIBChange] {
        var changes: [RIBChange] = []
        for (i, prefix) in prefixes.enumerated() {
            let id = pathIDs.isEmpty ? 0 : pathIDs[i]
            guard var paths = table[prefix], let at = paths.firstIndex(where: { $0.peer == peer && $0.pathID == id }) else { continue }
            attributeTable.release(paths.remove(at: at).attributes)
            table[prefix] = paths.isEmpty ? nil : paths
            if let change = decide(prefix) { changes.append(change) }
        }
        return changes
    }

    /// The session with `peer` ended without graceful restart: all its paths go.
    mutating func removePaths(of peer: PeerID) -> [RIBChange] {
        sweep { $0.peer == peer }
    }

    /// Graceful restart, receiving side (RFC 4724 section 4.2): mark the restarting peer's paths stale.
    mutating func markStale(_ peer: PeerID) {
        for (prefix, paths) in table where paths.contains(where: { $0.peer == peer }) {
            table[prefix] = paths.map { var p = $0; if p.peer == peer { p.stale = true }; return p }
        }
    }

    mutating func markStale(_ peer: PeerID, matching: (IPPrefix) -> Bool) {
        for (prefix, paths) in table where matching(prefix) && paths.contains(where: { $0.peer == peer }) {
            table[prefix] = paths.map { var p = $0; if p.peer == peer { p.stale = true }; return p }
        }
    }

    var prefixes: [IPPrefix] { Array(table.keys) }

    /// End-of-RIB from the peer, or the restart timer ran out: the paths it did not re-announce go.
    mutating func sweepStale(_ peer: PeerID) -> [RIBChange] {
        sweep { $0.peer == peer && $0.stale }
    }

    /// New reachability and IGP costs of next hops (the agent reports connected and kernel routes);
    /// nil makes every next hop reachable at cost 0. Every prefix is decided again.
    mutating func setNextHopCosts(_ costs: [IPAddress: UInt32]?) -> [RIBChange] {
        nextHopCosts = costs
        return table.keys.sorted().compactMap { decide($0) }
    }

    private mutating func sweep(_ matches: (ReferencePath) -> Bool) -> [RIBChange] {
        var changes: [RIBChange] = []
        for (prefix, paths) in table where paths.contains(where: matches) {
            var kept: [ReferencePath] = []
            for p in paths { if matches(p) { attributeTable.release(p.attributes) } else { kept.append(p) } }
            table[prefix] = kept.isEmpty ? nil : kept
            if let change = decide(prefix) { changes.append(change) }
        }
        return changes.sorted { $0.prefix < $1.prefix }
    }

    /// Runs the decision process for `prefix`; returns a change when the best route changed.
    private mutating func decide(_ prefix: IPPrefix) -> RIBChange? {
        let paths = table[prefix] ?? []
        var candidates: [Candidate] = []
        for (i, p) in paths.enumerated() {
            let entry = attributeTable[p.attributes]
            var cost: UInt32 = 0
            if let costs = nextHopCosts {
                guard let hop = entry.value.nextHop, let c = costs[hop] else { continue }
                cost = c
            }
            candidates.append(Candidate(index: i, key: entry.key, peer: peers[Int(p.peer.rawValue)], igpCost: cost))
        }
        var selected: SelectedRoute?
        if let (winner, reason, multipath) = DecisionProcess.select(candidates, options: options) {
            let p = paths[winner]
            selected = SelectedRoute(prefix: prefix, peer: peers[Int(p.peer.rawValue)], attributes: attributeTable[p.attributes].value,
                                     reason: reason,
                                     multipathNextHops: multipath.compactMap { attributeTable[paths[$0].attributes].value.nextHop })
        }
        guard selected != bests[prefix] else { return nil }
        bests[prefix] = selected
        return RIBChange(prefix: prefix, best: selected)
    }
}
