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
    public var ruleset: Ruleset {
        var r = builder.ruleset
        r.workloadInterfaces = workloads; r.antiSpoof4 = antiSpoof4; r.antiSpoof6 = antiSpoof6
        return r
    }
    private var workloads: Set<String> = []
    private var antiSpoof4 = Ruleset().antiSpoof4
    private var antiSpoof6 = Ruleset().antiSpoof6
    /// The table now in the kernel.
    public private(set) var layout: TableLayout?
    /// The last change's diff (what was sent), for tests and logs.
    public private(set) var lastDiff = RulesetDiff()
    /// How long the last change's batch took from build to the kernel's ACK (the rest of a
    /// change is computing it), for the benchmark and logs.
    public private(set) var lastBatchTime: Duration = .zero

    private var builder = LayoutBuilder(Ruleset())
    private var objectsOf: [NetworkID: SourceObjects] = [:]
    private var index4 = PrefixIndex<UInt32>()
    private var index6 = PrefixIndex<UInt128>()
    /// The policies each map or chain of the table sends packets to (`goto pN`), by object
    /// name (only objects that send to some), and how many objects send to each policy: a
    /// policy chain exists exactly while some object sends to it (`PolicyReferences.swift`).
    private var policyRefs: [String: Set<PolicyID>] = [:]
    private var policyUsers: [PolicyID: Int] = [:]

    public init(socket: NFTablesSocket) { programmer = RulesetProgrammer(socket: socket) }

    /// Loads everything (agent start or restart): replaces any `inet routed` table a previous
    /// run left, in one batch, so traffic is filtered by the old table until the new one is in.
    public func start(book: PolicyBook, memberships: Memberships = Memberships(), endpoints: [LocalEndpoint] = []) throws(PolicyEngineError) {
        var eps: [String: LocalEndpoint] = [:]
        for e in endpoints { eps[e.ifname] = e }
        let r = PolicyCompiler.compile(book, memberships: memberships, endpoints: Array(eps.values))
        try Self.checkWorkloadLimit(workloads: r.workloadInterfaces.count, v4: r.antiSpoof4.count, v6: r.antiSpoof6.count)
        let b = LayoutBuilder(Self.lite(r))
        var t = TableLayout()
        b.addDispatchMaps(into: &t)
        LayoutBuilder(r).addAntiSpoofSets(into: &t)
        var objects: [NetworkID: SourceObjects] = [:]
        for s in b.networksWithObjects { objects[s] = b.addObjects(ofSource: s, into: &t) }
        b.addFixedChains(into: &t)
        var refs: [String: Set<PolicyID>] = [:], users: [PolicyID: Int] = [:]
        for (name, m) in t.maps where m.kind.isMap && name != "src4" && name != "src6" {
            let p = m.policyReferences
            if !p.isEmpty { refs[name] = p }
        }
        for (name, c) in t.chains {
            let p = c.policyReferences
            if !p.isEmpty { refs[name] = p }
        }
        for p in refs.values { for id in p { users[id, default: 0] += 1 } }
        b.addPolicyChains(into: &t, only: Set(users.keys))
        do {
            let batch = NFTBatch(family: .inet, table: TableLayout.table)
            try RulesetProgram.replace(with: t, into: batch)
            try programmer.socket.apply(batch)
        } catch { throw .kernel(error) }
        var i4 = PrefixIndex<UInt32>(), i6 = PrefixIndex<UInt128>()
        for (p, n) in memberships.all { Self.index(p, n, add: true, &i4, &i6) }
        for e in eps.values { for a in e.addresses { Self.index(Self.hostPrefix(a), e.network, add: true, &i4, &i6) } }
        self.book = book; self.memberships = memberships; self.endpoints = eps
        layout = t; builder = b; objectsOf = objects; index4 = i4; index6 = i6
        policyRefs = refs; policyUsers = users
        workloads = r.workloadInterfaces; antiSpoof4 = r.antiSpoof4; antiSpoof6 = r.antiSpoof6
        lastDiff = RulesetDiff()
    }

    /// Refuses, before anything is sent, more entries than the anti-spoofing sets hold (the
    /// kernel's own refusal is a bare ENFILE).
    static func checkWorkloadLimit(workloads: Int, v4: Int, v6: Int) throws(PolicyEngineError) {
        let limit = LayoutMapKind.workloadLimit
        for (set, n) in [("workloads", workloads), ("spoof4", v4), ("spoof6", v6)] where n > Int(limit) {
            throw .policy(.tooManyWorkloads(set: set, count: n, limit: limit))
        }
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
        try setBook(b)
        return result
    }

    /// Replaces the whole book (as read again from the datastore).
    public func setBook(_ b: PolicyBook) throws(PolicyEngineError) {
        guard layout != nil else { throw .notStarted }
        let (ids, nets) = book.changes(to: b)
        let old = book
        book = b
        try commitBook(ids: ids, nets: nets) { $0 = old }
    }

    /// `routed policy deny|allow ...`: the new policy's id.
    @discardableResult
    public func addPolicy(_ rule: PolicyRule) throws(PolicyEngineError) -> PolicyID {
        guard layout != nil else { throw .notStarted }
        let id: PolicyID
        do { id = try book.add(rule) } catch { throw .policy(error) }
        try commitBook(ids: [id], nets: [NetworkID(deriving: rule.from), NetworkID(deriving: rule.to)]) { _ = try? $0.remove(id) }
        return id
    }

    /// `routed policy del ID`.
    public func removePolicy(_ id: PolicyID) throws(PolicyEngineError) {
        guard layout != nil else { throw .notStarted }
        let rule: PolicyRule
        do { rule = try book.remove(id) } catch { throw .policy(error) }
        try commitBook(ids: [id], nets: [NetworkID(deriving: rule.from), NetworkID(deriving: rule.to)]) { try? $0.restore(Policy(id: id, rule: rule)) }
    }

    /// `routed policy default allow|deny`.
    public func setDefault(_ action: PolicyAction) throws(PolicyEngineError) {
        guard layout != nil else { throw .notStarted }
        let old = book.defaultAction
        guard old != action else { return }
        book.defaultAction = action
        try commitBook(ids: [], nets: []) { $0.defaultAction = old }
    }

    // MARK: - Memberships and endpoints

    /// A prefix joins a network (a block learnt from the RIB with its network's community, or a
    /// /32 placed outside its network's block).
    public func addMembership(_ prefix: IPPrefix, network: NetworkID) throws(PolicyEngineError) {
        guard network != .world, network != .none else { throw .policy(.memberOfPseudoNetwork(.world)) }
        guard memberships.prefixes[network]?.contains(prefix) != true else { return }
        try commitAddresses([(prefix, network, true)], spoof: ([], []))
        try? memberships.insert(prefix, into: network)
    }

    public func removeMembership(_ prefix: IPPrefix, network: NetworkID) throws(PolicyEngineError) {
        guard memberships.prefixes[network]?.contains(prefix) == true else { return }
        try commitAddresses([(prefix, network, false)], spoof: ([], []))
        memberships.remove(prefix, from: network)
    }

    /// A local endpoint appears: its interface joins the anti-spoofing map, its addresses its network.
    public func addEndpoint(_ e: LocalEndpoint) throws(PolicyEngineError) {
        let old = endpoints[e.ifname]
        guard old != e else { return }
        var changes: [(IPPrefix, NetworkID, Bool)] = []
        if let old { changes += old.addresses.map { (Self.hostPrefix($0), old.network, false) } }
        changes += e.addresses.map { (Self.hostPrefix($0), e.network, true) }
        let gone = old.map(Self.spoofElements) ?? [], came = Self.spoofElements(e)
        func after(_ set: String, _ now: Int) -> Int {
            now - gone.filter { Self.set(of: $0) == set }.count + came.filter { Self.set(of: $0) == set }.count
        }
        try Self.checkWorkloadLimit(workloads: after("workloads", workloads.count), v4: after("spoof4", antiSpoof4.count),
                                    v6: after("spoof6", antiSpoof6.count))
        try commitAddresses(changes, spoof: (gone.filter { !came.contains($0) }, came.filter { !gone.contains($0) }))
        endpoints[e.ifname] = e
    }

    public func removeEndpoint(ifname: String) throws(PolicyEngineError) {
        guard let old = endpoints[ifname] else { throw .unknownEndpoint(ifname: ifname) }
        try commitAddresses(old.addresses.map { (Self.hostPrefix($0), old.network, false) }, spoof: (Self.spoofElements(old), []))
        endpoints[ifname] = nil
    }

    // MARK: - Counters

    /// Packets and bytes each policy's chain counted (`routed policy list`), read from the kernel.
    public func counters() throws(PolicyEngineError) -> [PolicyID: PolicyCounter] {
        let all: [NFTRuleCounter]
        do { all = try programmer.socket.ruleCounters(family: .inet, table: TableLayout.table) } catch { throw .kernel(error) }
        return Self.policyCounters(all, policies: book.policies.keys)
    }

    /// Each policy's hits: the counter of its chain `pN` (reached from maps and pair chains)
    /// plus the counters of the destination rules it is folded into (`comment "pN"`); zero for
    /// a policy with neither (its networks hold no addresses yet).
    public static func policyCounters(_ all: [NFTRuleCounter], policies: some Sequence<PolicyID>) -> [PolicyID: PolicyCounter] {
        var out: [PolicyID: PolicyCounter] = [:]
        for id in policies { out[id] = PolicyCounter(packets: 0, bytes: 0) }
        for c in all {
            guard let id = PolicyID(chainName: c.chain) ?? c.comment.flatMap(PolicyID.init(chainName:)),
                  var sum = out[id] else { continue }
            sum.packets &+= c.packets; sum.bytes &+= c.bytes
            out[id] = sum
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

    /// The ruleset without its anti-spoofing entries: what the layout builder keeps, so the
    /// engine's own ruleset stays the only owner of those large sets (changed in place).
    static func lite(_ r: Ruleset) -> Ruleset {
        var l = r
        l.antiSpoof4 = []; l.antiSpoof6 = []; l.workloadInterfaces = []
        return l
    }

    /// The new objects of `sources` built by `b` into `patch`, with every name touched (old and new).
    private func rebuild(_ sources: Set<NetworkID>, with b: LayoutBuilder, into patch: inout TableLayout,
                         objects: inout [NetworkID: SourceObjects?], maps: inout Set<String>, chains: inout Set<String>) {
        for s in sources {
            if let old = objectsOf[s] { maps.formUnion(old.maps); chains.formUnion(old.chains) }
            let new = b.addObjects(ofSource: s, into: &patch)
            objects[s] = new.maps.isEmpty && new.chains.isEmpty ? .some(nil) : new
            maps.formUnion(new.maps); chains.formUnion(new.chains)
        }
    }

    /// Sends `d`, then makes `layout` hold `patch` for the touched names and the given element
    /// changes — in place, nothing is copied.
    private func send(_ d: RulesetDiff, patch: TableLayout, maps: Set<String>, chains: Set<String>, references: PolicyReferenceChange,
                      elements: [(String, LayoutMapKind, deleted: [LayoutElement], added: [LayoutElement])]) throws(PolicyEngineError) {
        let start = ContinuousClock.now
        do { try programmer.send(d) } catch { throw .kernel(error) }
        lastBatchTime = ContinuousClock.now - start
        lastDiff = d
        for (name, p) in references.refs { policyRefs[name] = p.isEmpty ? nil : p }
        for (id, n) in references.users { policyUsers[id] = n > 0 ? n : nil }
        for name in maps { layout!.maps[name] = patch.maps[name] }
        for name in chains { layout!.chains[name] = patch.chains[name] }
        for (name, kind, deleted, added) in elements where !deleted.isEmpty || !added.isEmpty {
            if layout!.maps[name] == nil { layout!.maps[name] = LayoutMap(kind: kind) }
            for e in deleted { layout!.maps[name]!.elements.remove(e) }
            for e in added { layout!.maps[name]!.elements.insert(e) }
        }
    }

    /// What a change does to `policyRefs` and `policyUsers` (applied once the kernel took it).
    struct PolicyReferenceChange {
        var refs: [String: Set<PolicyID>] = [:]
        var users: [PolicyID: Int] = [:]
    }

    /// Adds to `patch` (and to `chains`) the policy chains whose need changed with the rebuilt
    /// objects `maps` and `chains`, and those of the policies `changed`: a chain `pN` exists
    /// while some map element or chain sends packets to it and policy N exists.
    private func policyChains(patch: inout TableLayout, maps: Set<String>, chains: inout Set<String>, changed: Set<PolicyID>,
                              builder b: LayoutBuilder) -> PolicyReferenceChange {
        var change = PolicyReferenceChange()
        var touched = changed
        func count(_ name: String, _ new: Set<PolicyID>) {
            let old = policyRefs[name] ?? []
            guard old != new else { return }
            change.refs[name] = new
            for id in old.subtracting(new) { change.users[id, default: policyUsers[id] ?? 0] -= 1; touched.insert(id) }
            for id in new.subtracting(old) { change.users[id, default: policyUsers[id] ?? 0] += 1; touched.insert(id) }
        }
        for name in maps { count(name, patch.maps[name]?.policyReferences ?? []) }
        for name in chains where PolicyID(chainName: name) == nil { count(name, patch.chains[name]?.policyReferences ?? []) }
        var needed = Set<PolicyID>()
        for id in touched {
            chains.insert(id.chainName)
            if (change.users[id] ?? policyUsers[id] ?? 0) > 0 { needed.insert(id) }
        }
        b.addPolicyChains(into: &patch, only: needed)
        return change
    }

    static let fixedChains: Set<String> = Set(LayoutHook.allCases.map(\.rawValue) + [TableLayout.unmatched])

    /// A policy change (the book already holds it; `undo` takes it back if the kernel refuses):
    /// the verdicts of the pairs it touches are recompiled; only the objects of the
    /// networks the changed policies name, `to-host4/6`, the changed policy chains and the fixed
    /// chains are rebuilt and compared.
    private func commitBook(ids: Set<PolicyID>, nets: Set<NetworkID>, undo: (inout PolicyBook) -> Void) throws(PolicyEngineError) {
        builder.recompilePolicies(book, touching: nets, policies: ids)
        var patch = TableLayout(), objects: [NetworkID: SourceObjects?] = [:]
        var maps: Set<String> = [TableLayout.toHostMap(v6: false), TableLayout.toHostMap(v6: true)]
        var chains = Self.fixedChains
        rebuild(nets, with: builder, into: &patch, objects: &objects, maps: &maps, chains: &chains)
        builder.addToHostMaps(into: &patch)
        builder.addFixedChains(into: &patch)
        let refs = policyChains(patch: &patch, maps: maps, chains: &chains, changed: ids, builder: builder)
        let d = RulesetDiff(from: layout!, to: patch, maps: maps, chains: chains)
        do {
            try send(d, patch: patch, maps: maps, chains: chains, references: refs, elements: [])
        } catch {
            undo(&book)
            builder.recompilePolicies(book, touching: nets, policies: ids)   // back to the old book
            throw error
        }
        for (s, o) in objects { objectsOf[s] = o }
    }

    /// A membership or endpoint change: only the addresses under the changed prefixes are
    /// partitioned again; the source map and the anti-spoofing sets get exactly the elements
    /// that changed; the objects of the networks whose addresses changed, and of the sources
    /// reaching them, are rebuilt and compared.
    private func commitAddresses(_ changes: [(IPPrefix, NetworkID, Bool)], spoof: (gone: [LayoutElement], came: [LayoutElement])) throws(PolicyEngineError) {
        guard layout != nil else { throw .notStarted }
        var a4 = builder.ruleset.addresses4, a6 = builder.ruleset.addresses6
        var touched4: [AddressInterval<UInt32>] = [], touched6: [AddressInterval<UInt128>] = []
        for (p, n, add) in changes {
            Self.index(p, n, add: add, &index4, &index6)
            switch p {
            case .v4(let x):
                let (a, b) = index4.relabel(first: x.address.value, length: Int(x.length), in: &a4)
                touched4 += a + b
            case .v6(let x):
                let (a, b) = index6.relabel(first: UInt128(x.address.high) << 64 | UInt128(x.address.low), length: Int(x.length), in: &a6)
                touched6 += a + b
            }
        }
        let (gone4, came4) = Self.net(touched4, before: builder.ruleset.addresses4, after: a4)
        let (gone6, came6) = Self.net(touched6, before: builder.ruleset.addresses6, after: a6)
        let from = { (n: NetworkID) in LayoutTarget.jump(TableLayout.fromChain(n)) }
        var elements: [(String, LayoutMapKind, deleted: [LayoutElement], added: [LayoutElement])] = [
            ("src4", .address4, gone4.map { .address4(first: $0.first, last: $0.last, from($0.network)) },
             came4.map { .address4(first: $0.first, last: $0.last, from($0.network)) }),
            ("src6", .address6, gone6.map { .address6(first: $0.first, last: $0.last, from($0.network)) },
             came6.map { .address6(first: $0.first, last: $0.last, from($0.network)) }),
        ]
        for (set, kind) in [("workloads", LayoutMapKind.workloads), ("spoof4", .spoof4), ("spoof6", .spoof6)] {
            elements.append((set, kind, spoof.gone.filter { Self.set(of: $0) == set }, spoof.came.filter { Self.set(of: $0) == set }))
        }
        var d = RulesetDiff()
        for (name, _, deleted, added) in elements { d.addElementChanges(map: name, deleted: deleted, added: added) }
        var bld = builder, patch = TableLayout(), objects: [NetworkID: SourceObjects?] = [:]
        var maps: Set<String> = [], chains: Set<String> = []
        var refs = PolicyReferenceChange()
        let changedNets = Set(gone4.map(\.network) + came4.map(\.network) + gone6.map(\.network) + came6.map(\.network))
        if !changedNets.isEmpty {
            var lite = builder.ruleset
            lite.addresses4 = a4; lite.addresses6 = a6
            bld = LayoutBuilder(lite, relations: builder.relations)
            var affected = changedNets
            for n in changedNets { affected.formUnion(bld.relations.sourcesReaching[n] ?? []) }
            maps = [TableLayout.toHostMap(v6: false), TableLayout.toHostMap(v6: true)]
            chains = Self.fixedChains
            rebuild(affected, with: bld, into: &patch, objects: &objects, maps: &maps, chains: &chains)
            bld.addToHostMaps(into: &patch)
            bld.addFixedChains(into: &patch)
            refs = policyChains(patch: &patch, maps: maps, chains: &chains, changed: [], builder: bld)
            let o = RulesetDiff(from: layout!, to: patch, maps: maps, chains: chains)
            d.addedMaps = o.addedMaps; d.deletedMaps = o.deletedMaps; d.deletedMapKinds = o.deletedMapKinds
            d.addedChains = o.addedChains; d.changedChains = o.changedChains; d.deletedChains = o.deletedChains
            for (name, els) in o.deletedElements { d.addElementChanges(map: name, deleted: els, added: []) }
            for (name, els) in o.addedElements { d.addElementChanges(map: name, deleted: [], added: els) }
        }
        do {
            try send(d, patch: patch, maps: maps, chains: chains, references: refs, elements: elements)
        } catch {
            for (p, n, add) in changes.reversed() { Self.index(p, n, add: !add, &index4, &index6) }
            throw error
        }
        builder = bld
        for e in spoof.gone {
            switch e {
            case .workload(let n): workloads.remove(n)
            case .spoof4(let n, let a): antiSpoof4.remove(.init(n, a))
            case .spoof6(let n, let a): antiSpoof6.remove(.init(n, a))
            default: break
            }
        }
        for e in spoof.came {
            switch e {
            case .workload(let n): workloads.insert(n)
            case .spoof4(let n, let a): antiSpoof4.insert(.init(n, a))
            case .spoof6(let n, let a): antiSpoof6.insert(.init(n, a))
            default: break
            }
        }
        for (s, o) in objects { objectsOf[s] = o }
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
