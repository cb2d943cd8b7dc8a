public import IPAddressing
public import Netlink
public import Policy

/// What the policy engine refuses or fails at. Either way nothing changed: not the engine's
/// state, not the kernel.
public enum PolicyEngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bad input (unknown network, malformed port range, duplicate policy, ...).
    case policy(PolicyError)
    /// The kernel refused the batch or could not be reached.
    case kernel(NFTablesError)
    /// `start` was not called yet.
    case notStarted
    /// `removeEndpoint` of an interface the engine does not know.
    case unknownEndpoint(ifname: String)

    public var description: String {
        switch self {
        case .policy(let e): e.description
        case .kernel(let e): e.description
        case .notStarted: "the policy engine has not loaded table inet routed yet (call start first)"
        case .unknownEndpoint(let n): "no endpoint with interface '\(n)' is known to the policy engine"
        }
    }
}

/// The agent's one entry point to network isolation: it holds the policy book, the
/// memberships and this host's endpoints, keeps table `inet routed` equal to what they compile
/// to, and reads the per-policy counters back. Every change is one atomic netlink batch holding
/// only the objects and elements that changed; when the kernel refuses, the engine keeps its
/// previous state (and so does the kernel). Not thread-safe: call it from the thread (in the
/// network namespace) that opened `socket`.
public final class PolicyEngine {
    public let programmer: RulesetProgrammer
    public private(set) var book = PolicyBook()
    public private(set) var memberships = Memberships()
    /// This host's workload interfaces by host-side interface name.
    public private(set) var endpoints: [String: LocalEndpoint] = [:]
    /// The compiled policy now in the kernel.
    public private(set) var ruleset = Ruleset()
    /// The table now in the kernel.
    public private(set) var layout: TableLayout?
    /// The last change's diff (what was sent), for tests and logs.
    public private(set) var lastDiff = RulesetDiff()

    private var builder = LayoutBuilder(Ruleset())
    private var objectsOf: [NetworkID: SourceObjects] = [:]
    private var index4 = PrefixIndex<UInt32>()
    private var index6 = PrefixIndex<UInt128>()

    public init(socket: NFTablesSocket) { programmer = RulesetProgrammer(socket: socket) }

    /// Loads everything (agent start or restart): replaces any `inet routed` table a previous
    /// run left, in one batch, so traffic is filtered by the old table until the new one is in.
    public func start(book: PolicyBook, memberships: Memberships = Memberships(), endpoints: [LocalEndpoint] = []) throws(PolicyEngineError) {
        var eps: [String: LocalEndpoint] = [:]
        for e in endpoints { eps[e.ifname] = e }
        let r = PolicyCompiler.compile(book, memberships: memberships, endpoints: Array(eps.values))
        let b = LayoutBuilder(r)
        var t = TableLayout()
        b.addDispatchMaps(into: &t)
        b.addAntiSpoofSets(into: &t)
        b.addPolicyChains(into: &t)
        var objects: [NetworkID: SourceObjects] = [:]
        for s in b.networksWithObjects { objects[s] = b.addObjects(ofSource: s, into: &t) }
        b.addFixedChains(into: &t)
        do { try programmer.replace(with: t) } catch { throw .kernel(error) }
        var i4 = PrefixIndex<UInt32>(), i6 = PrefixIndex<UInt128>()
        for (p, n) in memberships.all { Self.index(p, n, add: true, &i4, &i6) }
        for e in eps.values { for a in e.addresses { Self.index(Self.hostPrefix(a), e.network, add: true, &i4, &i6) } }
        self.book = book; self.memberships = memberships; self.endpoints = eps
        ruleset = r; layout = t; builder = b; objectsOf = objects; index4 = i4; index6 = i6
        lastDiff = RulesetDiff()
    }

    static func hostPrefix(_ a: IPAddress) -> IPPrefix {
        switch a { case .v4(let x): .v4(IPv4Prefix(x, length: 32)); case .v6(let x): .v6(IPv6Prefix(x, length: 128)) }
    }

    static func index(_ p: IPPrefix, _ n: NetworkID, add: Bool, _ i4: inout PrefixIndex<UInt32>, _ i6: inout PrefixIndex<UInt128>) {
        switch p {
        case .v4(let x):
            if add { i4.insert(first: x.address.value, length: Int(x.length), network: n) } else { i4.remove(first: x.address.value, length: Int(x.length), network: n) }
        case .v6(let x):
            let f = UInt128(x.address.high) << 64 | UInt128(x.address.low)
            if add { i6.insert(first: f, length: Int(x.length), network: n) } else { i6.remove(first: f, length: Int(x.length), network: n) }
        }
    }

    // MARK: - Policies (the book)

    /// `routed network create|del`, `routed policy ...`, `routed policy default ...` as one
    /// edit of the book: the closure either succeeds or throws and changes nothing.
    @discardableResult
    public func edit<T>(_ change: (inout PolicyBook) throws(PolicyError) -> T) throws(PolicyEngineError) -> T {
        var b = book
        let result: T
        do { result = try change(&b) } catch { throw .policy(error) }
        try commitBook(b)
        return result
    }

    /// `routed policy deny|allow ...`: the new policy's id.
    @discardableResult
    public func addPolicy(_ rule: PolicyRule) throws(PolicyEngineError) -> PolicyID {
        try edit { (b: inout PolicyBook) throws(PolicyError) in try b.add(rule) }
    }

    /// `routed policy del ID`.
    public func removePolicy(_ id: PolicyID) throws(PolicyEngineError) {
        try edit { (b: inout PolicyBook) throws(PolicyError) in _ = try b.remove(id) }
    }

    /// `routed policy default allow|deny`.
    public func setDefault(_ action: PolicyAction) throws(PolicyEngineError) {
        try edit { (b: inout PolicyBook) throws(PolicyError) in b.defaultAction = action }
    }

    /// Replaces the whole book (as read again from the datastore).
    public func setBook(_ b: PolicyBook) throws(PolicyEngineError) {
        try commitBook(b)
    }

    // MARK: - Memberships and endpoints

    /// A prefix joins a network (a block learnt from the RIB with its network's community, or a
    /// /32 placed outside its network's block).
    public func addMembership(_ prefix: IPPrefix, network: NetworkID) throws(PolicyEngineError) {
        var m = memberships
        do { try m.insert(prefix, into: network) } catch { throw .policy(error) }
        guard m != memberships else { return }
        try commitAddresses([(prefix, network, true)], memberships: m, endpoints: endpoints, spoof: ([], []))
    }

    public func removeMembership(_ prefix: IPPrefix, network: NetworkID) throws(PolicyEngineError) {
        var m = memberships
        m.remove(prefix, from: network)
        guard m != memberships else { return }
        try commitAddresses([(prefix, network, false)], memberships: m, endpoints: endpoints, spoof: ([], []))
    }

    /// A local endpoint appears: its interface joins the anti-spoofing map, its addresses its network.
    public func addEndpoint(_ e: LocalEndpoint) throws(PolicyEngineError) {
        var eps = endpoints
        let old = eps.updateValue(e, forKey: e.ifname)
        guard old != e else { return }
        var changes: [(IPPrefix, NetworkID, Bool)] = []
        if let old { changes += old.addresses.map { (Self.hostPrefix($0), old.network, false) } }
        changes += e.addresses.map { (Self.hostPrefix($0), e.network, true) }
        let gone = old.map(Self.spoofElements) ?? [], came = Self.spoofElements(e)
        try commitAddresses(changes, memberships: memberships, endpoints: eps,
                            spoof: (gone.filter { !came.contains($0) }, came.filter { !gone.contains($0) }))
    }

    public func removeEndpoint(ifname: String) throws(PolicyEngineError) {
        guard let old = endpoints[ifname] else { throw .unknownEndpoint(ifname: ifname) }
        var eps = endpoints
        eps[ifname] = nil
        try commitAddresses(old.addresses.map { (Self.hostPrefix($0), old.network, false) }, memberships: memberships, endpoints: eps,
                            spoof: (Self.spoofElements(old), []))
    }

    // MARK: - Counters

    /// Packets and bytes each policy's chain counted (`routed policy list`), read from the kernel.
    public func counters() throws(PolicyEngineError) -> [PolicyID: PolicyCounter] {
        let all: [NFTRuleCounter]
        do { all = try programmer.socket.ruleCounters(family: .inet, table: TableLayout.table) } catch { throw .kernel(error) }
        var out: [PolicyID: PolicyCounter] = [:]
        for c in all where c.chain.hasPrefix("p") {
            guard let n = UInt32(c.chain.dropFirst()) else { continue }
            out[PolicyID(rawValue: n)] = PolicyCounter(packets: c.packets, bytes: c.bytes)
        }
        return out
    }

    /// What chain `unmatched` (the default action) counted.
    public func unmatchedCounter() throws(PolicyEngineError) -> PolicyCounter? {
        do {
            return try programmer.socket.ruleCounters(family: .inet, table: TableLayout.table)
                .first { $0.chain == TableLayout.unmatched }.map { PolicyCounter(packets: $0.packets, bytes: $0.bytes) }
        } catch { throw .kernel(error) }
    }

    // MARK: -

    /// The anti-spoofing elements of one endpoint (its interface, and interface . address).
    static func spoofElements(_ e: LocalEndpoint) -> [LayoutElement] {
        [.workload(e.ifname)] + e.addresses.map { a in
            switch a { case .v4(let x): .spoof4(e.ifname, x); case .v6(let x): .spoof6(e.ifname, x) }
        }
    }

    /// Replaces the objects of `sources` in `t` with `b`'s, collecting every name touched.
    private func rebuild(_ sources: Set<NetworkID>, with b: LayoutBuilder, in t: inout TableLayout,
                         objects: inout [NetworkID: SourceObjects], maps: inout Set<String>, chains: inout Set<String>) {
        for s in sources {
            if let old = objects[s] {
                for m in old.maps { t.maps[m] = nil }
                for c in old.chains { t.chains[c] = nil }
                maps.formUnion(old.maps); chains.formUnion(old.chains)
            }
            let new = b.addObjects(ofSource: s, into: &t)
            objects[s] = new.maps.isEmpty && new.chains.isEmpty ? nil : new
            maps.formUnion(new.maps); chains.formUnion(new.chains)
        }
    }

    private func send(_ d: RulesetDiff, _ t: TableLayout) throws(PolicyEngineError) {
        do { try programmer.apply(d, giving: t) } catch { throw .kernel(error) }
        lastDiff = d
    }

    static let fixedChains: Set<String> = Set(LayoutHook.allCases.map(\.rawValue) + [TableLayout.unmatched])

    /// A policy change: the verdicts are recompiled (O(policies)); only the objects of the
    /// networks the changed policies name, `to-host4/6`, the changed policy chains and the fixed
    /// chains are rebuilt and compared.
    private func commitBook(_ b: PolicyBook) throws(PolicyEngineError) {
        guard let old = layout else { throw .notStarted }
        let (ids, nets) = book.changes(to: b)
        let r = PolicyCompiler.recompilePolicies(ruleset, b)
        let bld = builder.with(ruleset: r, relations: RelationIndex(r))
        var t = old, objects = objectsOf
        var maps: Set<String> = [TableLayout.toHostMap(v6: false), TableLayout.toHostMap(v6: true)]
        var chains = Self.fixedChains.union(ids.map(\.chainName))
        rebuild(nets, with: bld, in: &t, objects: &objects, maps: &maps, chains: &chains)
        bld.addToHostMaps(into: &t)
        bld.addPolicyChains(into: &t, only: ids)
        bld.addFixedChains(into: &t)
        try send(RulesetDiff(from: old, to: t, maps: maps, chains: chains), t)
        book = b; ruleset = r; layout = t; builder = bld; objectsOf = objects
    }

    /// A membership or endpoint change: only the addresses under the changed prefixes are
    /// partitioned again; the source map and the anti-spoofing sets get exactly the elements
    /// that changed; the objects of the networks whose addresses changed, and of the sources
    /// reaching them, are rebuilt and compared.
    private func commitAddresses(_ changes: [(IPPrefix, NetworkID, Bool)], memberships m: Memberships, endpoints eps: [String: LocalEndpoint],
                                 spoof: (gone: [LayoutElement], came: [LayoutElement])) throws(PolicyEngineError) {
        guard let old = layout else { throw .notStarted }
        var r = ruleset, i4 = index4, i6 = index6
        var touched4: [AddressInterval<UInt32>] = [], touched6: [AddressInterval<UInt128>] = []
        for (p, n, add) in changes {
            Self.index(p, n, add: add, &i4, &i6)
            switch p {
            case .v4(let x):
                let (a, b) = i4.relabel(first: x.address.value, length: Int(x.length), in: &r.addresses4)
                touched4 += a + b
            case .v6(let x):
                let (a, b) = i6.relabel(first: UInt128(x.address.high) << 64 | UInt128(x.address.low), length: Int(x.length), in: &r.addresses6)
                touched6 += a + b
            }
        }
        let (gone4, came4) = Self.net(touched4, before: ruleset.addresses4, after: r.addresses4)
        let (gone6, came6) = Self.net(touched6, before: ruleset.addresses6, after: r.addresses6)
        for e in spoof.gone {
            switch e {
            case .workload(let n): r.workloadInterfaces.remove(n)
            case .spoof4(let n, let a): r.antiSpoof4.remove(InterfaceAddress(n, a))
            case .spoof6(let n, let a): r.antiSpoof6.remove(InterfaceAddress(n, a))
            default: break
            }
        }
        for e in spoof.came {
            switch e {
            case .workload(let n): r.workloadInterfaces.insert(n)
            case .spoof4(let n, let a): r.antiSpoof4.insert(InterfaceAddress(n, a))
            case .spoof6(let n, let a): r.antiSpoof6.insert(InterfaceAddress(n, a))
            default: break
            }
        }
        var t = old, objects = objectsOf, d = RulesetDiff()
        // Element changes known from the change itself.
        func apply(_ map: String, _ kind: LayoutMapKind, deleted: [LayoutElement], added: [LayoutElement]) {
            guard !deleted.isEmpty || !added.isEmpty else { return }
            var m = t.maps[map] ?? LayoutMap(kind: kind)
            for e in deleted { m.elements.remove(e) }
            for e in added { m.elements.insert(e) }
            t.maps[map] = m
            d.addElementChanges(map: map, deleted: deleted, added: added)
        }
        let from = { (n: NetworkID) in LayoutTarget.chain(TableLayout.fromChain(n)) }
        apply("src4", .address4, deleted: gone4.map { .address4(first: $0.first, last: $0.last, from($0.network)) },
              added: came4.map { .address4(first: $0.first, last: $0.last, from($0.network)) })
        apply("src6", .address6, deleted: gone6.map { .address6(first: $0.first, last: $0.last, from($0.network)) },
              added: came6.map { .address6(first: $0.first, last: $0.last, from($0.network)) })
        for (set, kind) in [("workloads", LayoutMapKind.workloads), ("spoof4", .spoof4), ("spoof6", .spoof6)] {
            apply(set, kind, deleted: spoof.gone.filter { Self.set(of: $0) == set }, added: spoof.came.filter { Self.set(of: $0) == set })
        }
        var bld = builder
        let changedNets = Set(gone4.map(\.network) + came4.map(\.network) + gone6.map(\.network) + came6.map(\.network))
        if !changedNets.isEmpty {
            bld = LayoutBuilder(r, relations: builder.relations)
            var affected = changedNets
            for n in changedNets { affected.formUnion(bld.relations.sourcesReaching[n] ?? []) }
            var maps: Set<String> = [TableLayout.toHostMap(v6: false), TableLayout.toHostMap(v6: true)]
            var chains = Self.fixedChains
            rebuild(affected, with: bld, in: &t, objects: &objects, maps: &maps, chains: &chains)
            bld.addToHostMaps(into: &t)
            bld.addFixedChains(into: &t)
            let objectDiff = RulesetDiff(from: old, to: t, maps: maps, chains: chains)
            d.addedMaps = objectDiff.addedMaps; d.deletedMaps = objectDiff.deletedMaps; d.deletedMapKinds = objectDiff.deletedMapKinds
            d.addedChains = objectDiff.addedChains; d.changedChains = objectDiff.changedChains; d.deletedChains = objectDiff.deletedChains
            for (name, els) in objectDiff.deletedElements { d.addElementChanges(map: name, deleted: els, added: []) }
            for (name, els) in objectDiff.addedElements { d.addElementChanges(map: name, deleted: [], added: els) }
        }
        try send(d, t)
        index4 = i4; index6 = i6; memberships = m; endpoints = eps
        ruleset = r; layout = t; builder = bld; objectsOf = objects
    }

    static func set(of e: LayoutElement) -> String {
        switch e { case .workload: "workloads"; case .spoof4: "spoof4"; case .spoof6: "spoof6"; default: "" }
    }

    /// The intervals that really left (in `before`, not in `after`) and really came, among those
    /// a sequence of relabels touched.
    static func net<A>(_ touched: [AddressInterval<A>], before: [AddressInterval<A>], after: [AddressInterval<A>]) -> (gone: [AddressInterval<A>], came: [AddressInterval<A>]) {
        func has(_ i: AddressInterval<A>, _ list: [AddressInterval<A>]) -> Bool {
            var lo = 0, hi = list.count
            while lo < hi { let m = (lo + hi) / 2; if list[m].first < i.first { lo = m + 1 } else { hi = m } }
            return lo < list.count && list[lo] == i
        }
        let unique = Set(touched)
        return (unique.filter { has($0, before) && !has($0, after) }, unique.filter { !has($0, before) && has($0, after) })
    }
}
