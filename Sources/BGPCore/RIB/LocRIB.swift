public import IPAddressing

/// The best route to a prefix as the FIB reconciler and the policy engine consume it.
public struct SelectedRoute: Hashable, Sendable {
    public var prefix: IPPrefix
    public var peer: RIBPeer
    public var attributes: RouteAttributes
    public var reason: BestPathReason
    /// With multipath on: the next hops of every path equal to the best up to the IGP cost step.
    public var multipathNextHops: [IPAddress]
}

/// One path to a prefix as `routed routes` lists it.
public struct RIBPath: Hashable, Sendable {
    public var prefix: IPPrefix
    public var peer: RIBPeer
    public var pathID: UInt32
    public var attributes: RouteAttributes
    public var stale: Bool
}

/// A change of the Loc-RIB: the new best route of `prefix`, or nil when it has none any more.
public struct RIBChange: Hashable, Sendable {
    public var prefix: IPPrefix
    public var best: SelectedRoute?

    public init(prefix: IPPrefix, best: SelectedRoute?) {
        self.prefix = prefix
        self.best = best
    }
}

/// The Loc-RIB (RFC 4271 section 3.2) with the paths of every peer (its Adj-RIBs-In after import
/// policy), the best path per prefix with the reason it won, and a change list per operation.
/// Pure: next-hop reachability and IGP costs come in as data (`setNextHopCosts`).
///
/// Storage (about 50 bytes per single-path IPv4 prefix, BIRD's is ~94): one open-addressing hash
/// table per family (`PrefixHashTable`), IPv4 keyed by a 64-bit word; a prefix with one path keeps
/// it inline in its 12-byte slot with the selection as one bit, and only prefixes with several
/// paths get an out-of-line entry. Attributes
/// are interned (`AttributeTable`), so a path is a 4-byte handle; `SelectedRoute`s are built on
/// demand, never stored.
public struct LocRIB: Sendable {
    public var options: DecisionOptions
    private var peers: [RIBPeer] = []
    private var v4 = PrefixTable<IPv4PrefixKey>()
    private var v6 = PrefixTable<IPv6Prefix>()
    private var attributeTable = AttributeTable()
    private var storedPaths = 0
    private var pathsPerPeer: [Int] = []
    /// nil: every next hop resolves with cost 0. Otherwise a next hop must be a key to be eligible
    /// (RFC 4271 section 9.1.2: unresolvable routes are not candidates), its value being the IGP cost.
    private var nextHopCosts: [IPAddress: UInt32]?

    public init(options: DecisionOptions = DecisionOptions()) { self.options = options }

    public var prefixCount: Int { v4.slots.count + v6.slots.count }
    public var pathCount: Int { storedPaths }
    /// Distinct attribute sets held (interning at work: far fewer than paths).
    public var attributeSetCount: Int { attributeTable.count }

    public mutating func addPeer(_ peer: RIBPeer) -> PeerID {
        precondition(peers.count < Int(PrefixSlot.multi), "a Loc-RIB holds at most \(PrefixSlot.multi) peers")
        peers.append(peer)
        pathsPerPeer.append(0)
        return PeerID(rawValue: UInt16(peers.count - 1))
    }

    public func peer(_ id: PeerID) -> RIBPeer { peers[Int(id.rawValue)] }

    /// Replaces what the RIB knows of a peer (its BGP identifier is only known once its OPEN is in).
    /// Prefixes the peer has paths for are not decided again: call this before announcing.
    public mutating func updatePeer(_ id: PeerID, _ peer: RIBPeer) { peers[Int(id.rawValue)] = peer }

    /// Every path to `prefix` (`routed routes`), the selected one first.
    public func paths(_ prefix: IPPrefix) -> [RIBPath] {
        let (stored, best) = switch prefix {
        case .v4(let p): pathsAndBest(v4, IPv4PrefixKey(p))
        case .v6(let p): pathsAndBest(v6, p)
        }
        let all = stored.map { p in
            RIBPath(prefix: prefix, peer: peers[Int(p.peer.rawValue)], pathID: p.pathID,
                    attributes: attributeTable[p.attributes].value, stale: p.stale)
        }
        guard let best else { return all }
        let isBest = { (p: StoredPath) in p.peer == best.peer && p.attributes == best.attributes }
        return zip(stored, all).filter { isBest($0.0) }.map(\.1) + zip(stored, all).filter { !isBest($0.0) }.map(\.1)
    }

    /// How many paths `peer` has in the RIB (its accepted prefixes); kept as a counter, so a status
    /// poll costs nothing however large the RIB.
    public func pathCount(of peer: PeerID) -> Int { pathsPerPeer[Int(peer.rawValue)] }

    public func best(_ prefix: IPPrefix) -> SelectedRoute? {
        switch prefix {
        case .v4(let p): v4.slots[IPv4PrefixKey(p)].flatMap { selected(prefix, $0, v4.multi) }
        case .v6(let p): v6.slots[p].flatMap { selected(prefix, $0, v6.multi) }
        }
    }

    /// Every prefix with at least one path, in no particular order (`routed routes`, a peer's table).
    public var prefixes: [IPPrefix] { v4.slots.entries.map(\.key.prefix) + v6.slots.entries.map(\.key.prefix) }

    /// Every best route, in prefix order.
    public var routes: [SelectedRoute] {
        func all<K>(_ t: PrefixTable<K>) -> [SelectedRoute] {
            t.slots.entries.sorted { $0.key < $1.key }.compactMap { selected($0.key.prefix, $0.value, t.multi) }
        }
        return all(v4) + all(v6)
    }

    /// Paths `peer` announces: each prefix gets (or replaces) the path with its identifier. The
    /// batch shares one interned attribute set, and a prefix new to the RIB costs one hash insert.
    public mutating func announce(_ prefixes: [IPPrefix], pathIDs: [UInt32] = [], attributes: RouteAttributes,
                                  from peer: PeerID) -> RIBChanges {
        let handle = attributeTable.intern(attributes)
        guard !prefixes.isEmpty else { attributeTable.release(handle); return RIBChanges() }
        let choice = BestChoice(peer: peer, attributes: handle, reason: .onlyPath)
        let batch = Announcement(peer: peer, handle: handle, eligible: cost(handle) != nil, choice: choice, route: bestRoute(choice))
        var changes = ChangeLog()
        var t4 = Self.take(&v4), t6 = Self.take(&v6)
        // A prefix new to the RIB costs the cache misses of its bucket: touch the bucket of the
        // prefix `lookahead` places on first, so the misses of several prefixes overlap.
        var touched: UInt64 = 0
        for (i, prefix) in prefixes.enumerated() {
            if i + Self.lookahead < prefixes.count, case .v4(let ahead) = prefixes[i + Self.lookahead] {
                touched &+= t4.slots.touch(IPv4PrefixKey(ahead))
            }
            let path = StoredPath(peer: peer, pathID: pathIDs.isEmpty ? 0 : pathIDs[i], attributes: handle, stale: false)
            switch prefix {
            case .v4(let p): place(path, batch, in: &t4.slots[IPv4PrefixKey(p)], &t4.multi, prefix, &changes)
            case .v6(let p): place(path, batch, in: &t6.slots[p], &t6.multi, prefix, &changes)
            }
        }
        t4.slots.touched = touched
        v4 = t4
        v6 = t6
        // intern counted the first prefix's reference; place released each path it replaced.
        attributeTable.retain(handle, count: prefixes.count - 1)
        return changes.changes
    }

    /// Paths `peer` withdraws.
    public mutating func withdraw(_ prefixes: [IPPrefix], pathIDs: [UInt32] = [], from peer: PeerID) -> RIBChanges {
        var changes = ChangeLog()
        var t4 = Self.take(&v4), t6 = Self.take(&v6)
        for (i, prefix) in prefixes.enumerated() {
            let id = pathIDs.isEmpty ? 0 : pathIDs[i]
            let matches = { (p: StoredPath) in p.peer == peer && p.pathID == id }
            switch prefix {
            case .v4(let p):
                let key = IPv4PrefixKey(p)
                guard let slot = t4.slots[key], t4.contains(slot, where: matches) else { continue }
                remove(matches, in: &t4.slots[key], &t4.multi, prefix, &changes)
            case .v6(let p):
                guard let slot = t6.slots[p], t6.contains(slot, where: matches) else { continue }
                remove(matches, in: &t6.slots[p], &t6.multi, prefix, &changes)
            }
        }
        v4 = t4
        v6 = t6
        return changes.changes
    }

    /// The session with `peer` ended without graceful restart: all its paths go.
    public mutating func removePaths(of peer: PeerID) -> RIBChanges {
        sweep { $0.peer == peer }
    }

    /// Graceful restart, receiving side (RFC 4724 section 4.2): mark the restarting peer's paths stale.
    public mutating func markStale(_ peer: PeerID) {
        markStale(peer) { _ in true }
    }

    /// Marks only the paths of `peer` to prefixes `matching` stale: one family's enhanced route
    /// refresh (RFC 7313 section 4, between BoRR and EoRR).
    public mutating func markStale(_ peer: PeerID, matching: (IPPrefix) -> Bool) {
        func mark<K>(_ t: inout PrefixTable<K>) {
            for i in 0..<t.slots.capacity where t.slots.isOccupied(i) && matching(t.slots.key(at: i).prefix) {
                let slot = t.slots[bucket: i]
                if slot.isMulti {
                    for j in t.multi[slot.handle].paths.indices where t.multi[slot.handle].paths[j].peer == peer {
                        t.multi[slot.handle].paths[j].stale = true
                    }
                } else if slot.peer == peer.rawValue {
                    t.slots[bucket: i].flags |= PrefixSlot.staleFlag
                }
            }
        }
        mark(&v4)
        mark(&v6)
    }

    /// End-of-RIB from the peer, or the restart timer ran out: the paths it did not re-announce go.
    public mutating func sweepStale(_ peer: PeerID) -> RIBChanges {
        sweep { $0.peer == peer && $0.stale }
    }

    /// New reachability and IGP costs of next hops (the agent reports connected and kernel routes);
    /// nil makes every next hop reachable at cost 0. Every prefix is decided again.
    public mutating func setNextHopCosts(_ costs: [IPAddress: UInt32]?) -> RIBChanges {
        nextHopCosts = costs
        var changes = ChangeLog()
        func redecide<K>(_ t: inout PrefixTable<K>) {
            var changed: [(key: K, best: BestChoice?)] = []
            for i in 0..<t.slots.capacity where t.slots.isOccupied(i) {
                let slot = t.slots[bucket: i]
                if slot.isMulti {
                    let entry = t.multi[slot.handle]
                    let best = decide(entry.paths)
                    if best != entry.best {
                        t.multi[slot.handle].best = best
                        changed.append((t.slots.key(at: i), best))
                    }
                } else {
                    let eligible = cost(slot.handle) != nil
                    if eligible != slot.isSelected {
                        t.slots[bucket: i].flags ^= PrefixSlot.selectedFlag
                        changed.append((t.slots.key(at: i), eligible ? BestChoice(peer: slot.path.peer, attributes: slot.handle, reason: .onlyPath) : nil))
                    }
                }
            }
            // In prefix order (IPv4 first), as every whole-table operation reports.
            for c in changed.sorted(by: { $0.key < $1.key }) { record(c.key.prefix, c.best, in: &changes) }
        }
        var t4 = Self.take(&v4), t6 = Self.take(&v6)
        redecide(&t4)
        redecide(&t6)
        v4 = t4
        v6 = t6
        return changes.changes
    }

    /// The best route of every prefix as one batch of changes: what a peer's Adj-RIB-Out starts
    /// from (`only`: one family). Prefixes sharing a best route share a run. In prefix order (IPv4
    /// first), or with `inPrefixOrder: false` in storage order, which spares sorting a large table.
    public func bestRoutes(v4 only: Bool? = nil, inPrefixOrder: Bool = true) -> RIBChanges {
        var changes = ChangeLog()
        func add<K>(_ t: PrefixTable<K>) {
            let entries = t.slots.entries
            for e in inPrefixOrder ? entries.sorted(by: { $0.key < $1.key }) : entries {
                let slot = e.value
                if slot.isMulti {
                    if let best = t.multi[slot.handle].best { record(e.key.prefix, best, in: &changes) }
                } else if slot.isSelected {
                    record(e.key.prefix, BestChoice(peer: slot.path.peer, attributes: slot.handle, reason: .onlyPath), in: &changes)
                }
            }
        }
        if only != false { add(v4) }
        if only != true { add(v6) }
        return changes.changes
    }

    /// The prefix tables as they are now, for a new peer's initial table: a copy that costs
    /// nothing while the Loc-RIB stays as it is (the storage is shared, copy on write; one copy
    /// of it when the Loc-RIB changes during the walk). Walked a step at a time in prefix order
    /// with `bestRoutes(in:from:limit:skipping:)`: the first UPDATE leaves without the whole
    /// table having been gathered or sorted first, and BIRD 2 takes a million prefixes in order
    /// in about two thirds of the time it takes them in hash order.
    public struct TableSnapshot: Sendable {
        fileprivate let v4: PrefixTable<IPv4PrefixKey>
        fileprivate let v6: PrefixTable<IPv6Prefix>
        /// The occupied buckets of `v4` in prefix order, sorted as the walk goes (or all at once
        /// for a table too large for `PrefixOrder`), and those of `v6`.
        fileprivate var order4: PrefixOrder?
        fileprivate let sorted4: [Int]
        fileprivate let order6: [Int]
        /// What the walk's look-ahead reads gave (kept only so that they happen).
        fileprivate var touched: UInt64 = 0

        /// Where a walk stands: a position in the IPv4 order, then in the IPv6 order.
        public struct Cursor: Sendable {
            fileprivate var position = 0
            public init() {}
        }

        fileprivate init(v4: PrefixTable<IPv4PrefixKey>, v6: PrefixTable<IPv6Prefix>, prefixOrderCapacity: Int) {
            self.v4 = v4
            self.v6 = v6
            if v4.slots.capacity <= prefixOrderCapacity {
                order4 = PrefixOrder(v4.slots)
                sorted4 = []
            } else {
                sorted4 = Self.sortedBuckets(v4.slots)
            }
            order6 = Self.sortedBuckets(v6.slots)
        }

        private static func sortedBuckets<K>(_ t: PrefixHashTable<K, PrefixSlot>) -> [Int] {
            var pairs: [(K, Int)] = []
            t.forEachOccupied { pairs.append(($1, $0)) }
            return pairs.sorted { $0.0 < $1.0 }.map(\.1)
        }

        /// How many IPv4 prefixes the snapshot holds.
        public var count4: Int { order4?.count ?? sorted4.count }

        /// Whether a walk at `cursor` has passed every prefix.
        public func isDone(_ cursor: Cursor) -> Bool { cursor.position >= count4 + order6.count }
    }

    public func snapshot() -> TableSnapshot { snapshot(prefixOrderCapacity: PrefixOrder.maxCapacity) }

    /// `snapshot()`, ordering the IPv4 table with `PrefixOrder` only up to `prefixOrderCapacity`
    /// buckets (tests take the other path, a sort up front, with 0).
    func snapshot(prefixOrderCapacity: Int) -> TableSnapshot {
        TableSnapshot(v4: v4, v6: v6, prefixOrderCapacity: min(prefixOrderCapacity, PrefixOrder.maxCapacity))
    }

    /// The best routes of the next `limit` prefixes of `snapshot` from `cursor` (IPv4 first, in
    /// prefix order), leaving out those in `skip` — the prefixes changed since the snapshot,
    /// which went out with their new route. A prefix not in `skip` still has the route it had
    /// in the snapshot, so its handles are live here.
    public func bestRoutes(in snapshot: inout TableSnapshot, from cursor: inout TableSnapshot.Cursor, limit: Int,
                           skipping skip: PrefixSet) -> RIBChanges {
        var changes = ChangeLog()
        /// One prefix of the walk; `ahead` is the bucket `lookahead` places on, read now so its
        /// cache miss overlaps this prefix's work (the walk is in prefix order, the storage in
        /// hash order: without it, every prefix waits for its own miss).
        func add<K>(_ t: PrefixTable<K>, _ prefix: IPPrefix, _ bucket: Int, ahead: Int?, _ touched: inout UInt64) {
            if let ahead { touched &+= UInt64(t.slots[bucket: ahead].flagsWord) }
            if !skip.isEmpty, skip.contains(prefix) { return }
            let slot = t.slots[bucket: bucket]
            if slot.isMulti {
                if let best = t.multi[slot.handle].best { record(prefix, best, in: &changes) }
            } else if slot.isSelected {
                record(prefix, BestChoice(peer: slot.path.peer, attributes: slot.handle, reason: .onlyPath), in: &changes)
            }
        }
        var touched: UInt64 = 0
        let n4 = snapshot.count4, end = min(cursor.position + limit, n4 + snapshot.order6.count)
        if cursor.position < n4 {
            let range = cursor.position..<min(end, n4)
            if snapshot.order4 != nil {
                let words = snapshot.order4!.entries(range)
                for i in words.indices {
                    let ahead = i + Self.lookahead < words.endIndex ? PrefixOrder.bucket(words[i + Self.lookahead]) : nil
                    add(snapshot.v4, PrefixOrder.key(words[i]).prefix, PrefixOrder.bucket(words[i]), ahead: ahead, &touched)
                }
            } else {
                for b in snapshot.sorted4[range] { add(snapshot.v4, snapshot.v4.slots.key(at: b).prefix, b, ahead: nil, &touched) }
            }
        }
        if end > n4 {
            for b in snapshot.order6[max(cursor.position, n4) - n4..<end - n4] {
                add(snapshot.v6, snapshot.v6.slots.key(at: b).prefix, b, ahead: nil, &touched)
            }
        }
        snapshot.touched = touched
        cursor.position = end
        return changes.changes
    }

    // MARK: - Storage

    /// How far ahead `announce` touches buckets: about as many misses as a core keeps in flight.
    static let lookahead = 8

    /// What every prefix of one `announce` shares.
    private struct Announcement {
        var peer: PeerID
        var handle: UInt32
        var eligible: Bool
        /// The best a prefix gets when this is its only path, as handles and as the route.
        var choice: BestChoice
        var route: BestRoute
    }

    /// Stores `path` in a prefix's slot: a new prefix, a replaced path, or one more path.
    private mutating func place(_ path: StoredPath, _ batch: Announcement, in slot: inout PrefixSlot?,
                                _ multi: inout MultiPathStore, _ prefix: IPPrefix, _ changes: inout ChangeLog) {
        guard let current = slot else {
            // A prefix new to the RIB: its only path, selected when its next hop resolves.
            slot = PrefixSlot(path, selected: batch.eligible)
            counted(path.peer, 1)
            if batch.eligible { changes.record(prefix, batch.choice, batch.route) }
            return
        }
        if !current.isMulti && current.peer == path.peer.rawValue && current.pathID == path.pathID {
            // The same path again (an implicit withdrawal, RFC 4271 section 3.1).
            attributeTable.release(current.handle)
            slot = PrefixSlot(path, selected: batch.eligible)
            if current.handle != path.attributes && (current.isSelected || batch.eligible) {
                if batch.eligible { changes.record(prefix, batch.choice, batch.route) } else { changes.record(prefix, nil, nil) }
            }
            return
        }
        var entry: MultiPathEntry
        let index: UInt32
        if current.isMulti {
            index = current.handle
            entry = multi[index]
            multi[index].paths = []  // the store lets go, so the appends below do not copy
        } else {
            entry = MultiPathEntry(paths: [current.path], best: singleChoice(current))
            index = multi.add(entry)
            slot = PrefixSlot(multiPathEntry: index)
        }
        if let i = entry.paths.firstIndex(where: { $0.peer == path.peer && $0.pathID == path.pathID }) {
            attributeTable.release(entry.paths[i].attributes)
            entry.paths[i] = path
        } else {
            entry.paths.append(path)
            counted(path.peer, 1)
        }
        let best = decide(entry.paths)
        if best != entry.best { record(prefix, best, in: &changes) }
        entry.best = best
        multi[index] = entry
    }

    /// Removes the paths `matches` selects from a prefix's slot (the prefix goes with its last path).
    private mutating func remove(_ matches: (StoredPath) -> Bool, in slot: inout PrefixSlot?,
                                 _ multi: inout MultiPathStore, _ prefix: IPPrefix, _ changes: inout ChangeLog) {
        guard let current = slot else { return }
        if !current.isMulti {
            guard matches(current.path) else { return }
            attributeTable.release(current.handle)
            counted(current.path.peer, -1)
            slot = nil
            if current.isSelected { changes.record(prefix, nil, nil) }
            return
        }
        var entry = multi[current.handle]
        let before = entry.paths.count
        entry.paths.removeAll { p in
            guard matches(p) else { return false }
            attributeTable.release(p.attributes)
            counted(p.peer, -1)
            return true
        }
        guard entry.paths.count != before else { return }
        let best: BestChoice?
        if entry.paths.count > 1 {
            best = decide(entry.paths)
            multi[current.handle].paths = entry.paths
            multi[current.handle].best = best
        } else {
            // Back to one path (inline) or none (the prefix goes).
            _ = multi.remove(current.handle)
            if let only = entry.paths.first {
                let eligible = cost(only.attributes) != nil
                slot = PrefixSlot(only, selected: eligible)
                best = eligible ? BestChoice(peer: only.peer, attributes: only.attributes, reason: .onlyPath) : nil
            } else {
                slot = nil
                best = nil
            }
        }
        if best != entry.best { record(prefix, best, in: &changes) }
    }

    /// Removes the paths `matches` selects everywhere; changes in prefix order (IPv4 first).
    private mutating func sweep(_ matches: (StoredPath) -> Bool) -> RIBChanges {
        var changes = ChangeLog()
        func sweep<K>(_ t: inout PrefixTable<K>) {
            let keys = t.slots.entries.compactMap { e in t.contains(e.value, where: matches) ? e.key : nil }.sorted()
            for key in keys { remove(matches, in: &t.slots[key], &t.multi, key.prefix, &changes) }
        }
        var t4 = Self.take(&v4), t6 = Self.take(&v6)
        sweep(&t4)
        sweep(&t6)
        v4 = t4
        v6 = t6
        return changes.changes
    }

    private mutating func counted(_ peer: PeerID, _ n: Int) {
        storedPaths += n
        pathsPerPeer[Int(peer.rawValue)] += n
    }

    /// Moves a table out of `self` (no copy), so it can be mutated beside the rest of the RIB.
    private static func take<K>(_ t: inout PrefixTable<K>) -> PrefixTable<K> {
        defer { t = PrefixTable() }
        return t
    }

    // MARK: - Decision

    /// The IGP cost to the next hop of an attribute set; nil when it does not resolve.
    private func cost(_ handle: UInt32) -> UInt32? {
        guard let costs = nextHopCosts else { return 0 }
        guard let hop = attributeTable[handle].value.nextHop else { return nil }
        return costs[hop]
    }

    private func singleChoice(_ slot: PrefixSlot) -> BestChoice? {
        slot.isSelected ? BestChoice(peer: PeerID(rawValue: slot.peer), attributes: slot.handle, reason: .onlyPath) : nil
    }

    /// Runs the decision process over a prefix's paths.
    private func decide(_ paths: [StoredPath]) -> BestChoice? {
        var candidates: [Candidate] = []
        candidates.reserveCapacity(paths.count)
        for (i, p) in paths.enumerated() {
            guard let cost = cost(p.attributes) else { continue }
            candidates.append(Candidate(index: i, key: attributeTable[p.attributes].key, peer: peers[Int(p.peer.rawValue)], igpCost: cost))
        }
        guard let (winner, reason, multipath) = DecisionProcess.select(candidates, options: options) else { return nil }
        let hops = multipath.count > 1 ? multipath.compactMap { attributeTable[paths[$0].attributes].value.nextHop } : []
        return BestChoice(peer: paths[winner].peer, attributes: paths[winner].attributes, reason: reason, multipathNextHops: hops)
    }

    private func selected(_ prefix: IPPrefix, _ slot: PrefixSlot, _ multi: MultiPathStore) -> SelectedRoute? {
        if slot.isMulti { return multi[slot.handle].best.map { route(prefix, $0) } }
        return slot.isSelected ? single(prefix, peer: slot.path.peer, handle: slot.handle) : nil
    }

    private func single(_ prefix: IPPrefix, peer: PeerID, handle: UInt32) -> SelectedRoute {
        route(prefix, BestChoice(peer: peer, attributes: handle, reason: .onlyPath))
    }

    private func route(_ prefix: IPPrefix, _ choice: BestChoice) -> SelectedRoute {
        bestRoute(choice).selected(for: prefix)
    }

    private func bestRoute(_ choice: BestChoice) -> BestRoute {
        let attributes = attributeTable[choice.attributes].value
        let hops = choice.multipathNextHops.isEmpty ? attributes.nextHop.map { [$0] } ?? [] : choice.multipathNextHops
        return BestRoute(peer: peers[Int(choice.peer.rawValue)], attributes: attributes, reason: choice.reason, multipathNextHops: hops)
    }

    /// Records a change whose best is given as handles (the route is built only for a new run).
    private func record(_ prefix: IPPrefix, _ choice: BestChoice?, in changes: inout ChangeLog) {
        changes.record(prefix, choice, choice.map { bestRoute($0) })
    }
}

extension LocRIB {
    /// The stored paths of a prefix and its best, as handles.
    private func pathsAndBest<K>(_ t: PrefixTable<K>, _ key: K) -> ([StoredPath], BestChoice?) {
        guard let slot = t.slots[key] else { return ([], nil) }
        return (t.paths(slot), slot.isMulti ? t.multi[slot.handle].best : singleChoice(slot))
    }
}
