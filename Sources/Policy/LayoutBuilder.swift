/// What one source network may do towards one destination network: the verdict of the pair,
/// per protocol, and per protocol and port range, as `PolicyCompiler` decided them.
public struct Relation: Hashable, Sendable {
    public var pair: Verdict?
    public var protos: [IPProtocolNumber: Verdict] = [:]
    public var ports: [PortKey: Verdict] = [:]
    var needsPairChain: Bool { !protos.isEmpty || !ports.isEmpty }
}

/// Every (source, destination) relation of a ruleset, by source, and the sources reaching each
/// destination. Depends on the policies only, not on the memberships.
public struct RelationIndex: Sendable {
    public private(set) var bySource: [NetworkID: [NetworkID: Relation]]
    /// Destination → the sources that have a relation towards it.
    public private(set) var sourcesReaching: [NetworkID: Set<NetworkID>]

    public init(_ r: Ruleset) {
        var rel: [NetworkID: [NetworkID: Relation]] = [:]
        for (k, v) in r.pairVerdicts { rel[k.src, default: [:]][k.dst, default: Relation()].pair = v }
        for (k, v) in r.protoVerdicts { rel[k.pair.src, default: [:]][k.pair.dst, default: Relation()].protos[k.proto] = v }
        for (k, v) in r.portVerdicts { rel[k.pair.src, default: [:]][k.pair.dst, default: Relation()].ports[k] = v }
        bySource = rel
        var reach: [NetworkID: Set<NetworkID>] = [:]
        for (s, byDst) in rel { for d in byDst.keys { reach[d, default: []].insert(s) } }
        sourcesReaching = reach
    }
}

extension RelationIndex {
    /// The index with the relations of `sources` read again from `r` (the others unchanged):
    /// after a policy change that touched only those networks.
    public func updating(sources: Set<NetworkID>, from r: Ruleset) -> RelationIndex {
        var copy = self
        copy.update(sources: sources, from: r)
        return copy
    }

    /// `updating(sources:from:)` in place.
    public mutating func update(sources: Set<NetworkID>, from r: Ruleset) {
        var fresh: [NetworkID: [NetworkID: Relation]] = [:]
        for (k, v) in r.pairVerdicts where sources.contains(k.src) { fresh[k.src, default: [:]][k.dst, default: Relation()].pair = v }
        for (k, v) in r.protoVerdicts where sources.contains(k.pair.src) { fresh[k.pair.src, default: [:]][k.pair.dst, default: Relation()].protos[k.proto] = v }
        for (k, v) in r.portVerdicts where sources.contains(k.pair.src) { fresh[k.pair.src, default: [:]][k.pair.dst, default: Relation()].ports[k] = v }
        for s in sources {
            for d in bySource[s]?.keys ?? [:].keys {
                sourcesReaching[d]?.remove(s)
                if sourcesReaching[d]?.isEmpty == true { sourcesReaching[d] = nil }
            }
            bySource[s] = fresh[s]
            for d in fresh[s]?.keys ?? [:].keys { sourcesReaching[d, default: []].insert(s) }
        }
    }

    init(bySource: [NetworkID: [NetworkID: Relation]], sourcesReaching: [NetworkID: Set<NetworkID>]) {
        self.bySource = bySource; self.sourcesReaching = sourcesReaching
    }
}

/// The names of the objects that belong to one source network.
public struct SourceObjects: Hashable, Sendable {
    public var maps: Set<String> = []
    public var chains: Set<String> = []
}

/// Turns a `Ruleset` into a `TableLayout` (see its doc comment for the shape), whole or piece
/// by piece: the policy engine rebuilds only the pieces a change touches.
public struct LayoutBuilder: Sendable {
    public private(set) var ruleset: Ruleset
    public private(set) var relations: RelationIndex
    let ranges4: [NetworkID: [AddressInterval<UInt32>]]
    let ranges6: [NetworkID: [AddressInterval<UInt128>]]
    /// A source network whose destinations, protocols and ports make at most this many rules
    /// gets them as plain rules in `from-<S>` (`DestinationMatch`) rather than a map `dst4-<S>`,
    /// pair chains and `ports-`/`protos-` maps. Per packet that is at most this many compares
    /// before the tail, whatever the number of endpoints, networks and policies; 0 keeps maps.
    public let inlineLimit: Int
    public static let defaultInlineLimit = 8

    /// - Parameter relations: the ruleset's `RelationIndex` when the caller already has it
    ///   (it depends on the policies only).
    public init(_ r: Ruleset, relations: RelationIndex? = nil, inlineLimit: Int = LayoutBuilder.defaultInlineLimit) {
        ruleset = r
        self.relations = relations ?? RelationIndex(r)
        ranges4 = Dictionary(grouping: r.addresses4, by: \.network)
        ranges6 = Dictionary(grouping: r.addresses6, by: \.network)
        self.inlineLimit = inlineLimit
    }

    /// The same address partition (kept grouped) with another compiled policy: what a policy
    /// change rebuilds from.
    public func with(ruleset r: Ruleset, relations: RelationIndex) -> LayoutBuilder {
        LayoutBuilder(r, relations: relations, ranges4: ranges4, ranges6: ranges6, inlineLimit: inlineLimit)
    }

    init(_ r: Ruleset, relations: RelationIndex, ranges4: [NetworkID: [AddressInterval<UInt32>]], ranges6: [NetworkID: [AddressInterval<UInt128>]], inlineLimit: Int) {
        ruleset = r; self.relations = relations; self.ranges4 = ranges4; self.ranges6 = ranges6; self.inlineLimit = inlineLimit
    }

    /// Recompiles, in place, the verdicts of the pairs touching `nets` and the chains of the
    /// policies `ids` from `book`, and the relations of those networks (a policy change; the
    /// address partition stays). Calling it again with the previous book undoes it.
    public mutating func recompilePolicies(_ book: PolicyBook, touching nets: Set<NetworkID>, policies ids: Set<PolicyID>) {
        PolicyCompiler.recompilePolicies(&ruleset, book, touching: nets, policies: ids)
        relations.update(sources: nets, from: ruleset)
    }

    /// Networks with a chain `from-<id>`: every network holding addresses.
    public var sourceNetworks: Set<NetworkID> { Set(ranges4.keys).union(ranges6.keys) }

    /// Networks whose objects (`from-`, `dst4-`/`dst6-`, `pair-`, `ports-`, `protos-`) exist:
    /// every network holding addresses, and `host` (the output hook reads `dst4-00000002`).
    public var networksWithObjects: Set<NetworkID> { sourceNetworks.union([.host]) }

    public func holdsAddresses(_ n: NetworkID) -> Bool { ranges4[n] != nil || ranges6[n] != nil }

    /// The whole table.
    public func layout() -> TableLayout {
        var t = TableLayout()
        addDispatchMaps(into: &t)
        addAntiSpoofSets(into: &t)
        addFixedChains(into: &t)
        for s in networksWithObjects { _ = addObjects(ofSource: s, into: &t) }
        addPolicyChains(into: &t, only: t.referencedPolicies)
        return t
    }

    static func target(_ v: Verdict) -> LayoutTarget {
        switch v { case .accept: .accept; case .policy(let id): .chain(id.chainName) }
    }

    /// Where destination `d` sends a packet from `s`: straight to a verdict, or to the pair's chain
    /// when protocols or ports are involved.
    static func target(_ s: NetworkID, _ d: NetworkID, _ rel: Relation) -> LayoutTarget {
        rel.needsPairChain ? .chain(TableLayout.pairChain(s, d)) : target(rel.pair ?? .accept)
    }

    /// `src4`/`src6` (every interval → `goto from-<network>`) and `to-host4`/`to-host6`.
    public func addDispatchMaps(into t: inout TableLayout) {
        addSourceMaps(into: &t)
        addToHostMaps(into: &t)
    }

    /// `src4`/`src6`: every interval → `goto from-<network>` (never empty: the partition is total).
    public func addSourceMaps(into t: inout TableLayout) {
        var src4 = Set<LayoutElement>(), src6 = Set<LayoutElement>()
        for i in ruleset.addresses4 { src4.insert(.address4(first: i.first, last: i.last, .jump(TableLayout.fromChain(i.network)))) }
        for i in ruleset.addresses6 { src6.insert(.address6(first: i.first, last: i.last, .jump(TableLayout.fromChain(i.network)))) }
        t.maps[TableLayout.sourceMap(v6: false)] = src4.isEmpty ? nil : LayoutMap(kind: .address4, elements: src4)
        t.maps[TableLayout.sourceMap(v6: true)] = src6.isEmpty ? nil : LayoutMap(kind: .address6, elements: src6)
    }

    /// `to-host4`/`to-host6` (input hook): the intervals of every source with a relation towards
    /// `host`, with that relation's verdict; left out when empty.
    public func addToHostMaps(into t: inout TableLayout) {
        var toHost4 = Set<LayoutElement>(), toHost6 = Set<LayoutElement>()
        for s in relations.sourcesReaching[.host] ?? [] {
            guard let rel = relations.bySource[s]?[.host] else { continue }
            let to = Self.target(s, .host, rel)
            for i in ranges4[s] ?? [] { toHost4.insert(.address4(first: i.first, last: i.last, to)) }
            for i in ranges6[s] ?? [] { toHost6.insert(.address6(first: i.first, last: i.last, to)) }
        }
        t.maps[TableLayout.toHostMap(v6: false)] = toHost4.isEmpty ? nil : LayoutMap(kind: .address4, elements: toHost4)
        t.maps[TableLayout.toHostMap(v6: true)] = toHost6.isEmpty ? nil : LayoutMap(kind: .address6, elements: toHost6)
    }

    /// Sets `workloads`, `spoof4`, `spoof6` (always present: the prerouting rules name them).
    public func addAntiSpoofSets(into t: inout TableLayout) {
        let r = ruleset
        t.maps["workloads"] = LayoutMap(kind: .workloads, elements: Set(r.workloadInterfaces.map { .workload($0) }))
        t.maps["spoof4"] = LayoutMap(kind: .spoof4, elements: Set(r.antiSpoof4.map { .spoof4($0.ifname, $0.address) }))
        t.maps["spoof6"] = LayoutMap(kind: .spoof6, elements: Set(r.antiSpoof6.map { .spoof6($0.ifname, $0.address) }))
    }

    /// The chains `pN` of the policies `only` (an id without a policy is removed). Only the
    /// policies some map element or pair chain sends packets to need one
    /// (`TableLayout.referencedPolicies`); the others are folded into destination rules.
    public func addPolicyChains(into t: inout TableLayout, only: Set<PolicyID>) {
        for id in only {
            guard let c = ruleset.policyChains[id] else { t.chains[id.chainName] = nil; continue }
            t.chains[id.chainName] = LayoutChain(comment: c.comment, rules: [.count(c.action, logPrefix: policyVerdict(c).logPrefix)])
        }
    }

    func policyVerdict(_ c: PolicyChain) -> PolicyVerdict { PolicyVerdict(id: c.id, action: c.action, log: c.log) }

    /// How a destination rule ends for verdict `v`: `accept`, or the policy folded in.
    func destinationVerdict(_ v: Verdict) -> DestinationVerdict {
        switch v {
        case .accept: .target(.accept)
        case .policy(let id): ruleset.policyChains[id].map { .policy(policyVerdict($0)) } ?? .target(.chain(id.chainName))
        }
    }

    /// Whether map `to-host4` (or `to-host6`) has elements.
    func hasToHost(v6: Bool) -> Bool {
        (relations.sourcesReaching[.host] ?? []).contains { v6 ? ranges6[$0] != nil : ranges4[$0] != nil }
    }

    /// Whether every packet the hook chains see is accepted whatever it is: no policy and the
    /// default action `allow`. Then they need no `ct state established,related accept`, and
    /// with no `ct` expression in the namespace the kernel does not track connections at all
    /// (nf_conntrack registers its hooks per namespace only while a rule uses them): forwarded
    /// packets skip the conntrack lookup in prerouting and the confirm in postrouting.
    public var acceptsEverything: Bool { ruleset.policyChains.isEmpty && ruleset.defaultAction == .allow }

    /// Chain `unmatched` (the default action) and the hook chains, which name only the dispatch
    /// maps that have elements, and accept established connections first unless
    /// `acceptsEverything`.
    public func addFixedChains(into t: inout TableLayout) {
        let d = ruleset.defaultAction
        t.chains[TableLayout.unmatched] = LayoutChain(rules: [.count(d, logPrefix: nil)])
        let unmatched = LayoutRule.target(.chain(TableLayout.unmatched))
        let established: [LayoutRule] = acceptsEverything ? [] : [.acceptEstablished]
        t.chains["prerouting"] = LayoutChain(hook: .prerouting, rules: [.antiSpoof(v6: false), .antiSpoof(v6: true)])
        var forward: [LayoutRule] = established
        for v6 in [false, true] where v6 ? !ruleset.addresses6.isEmpty : !ruleset.addresses4.isEmpty {
            forward.append(.sourceVmap(v6: v6, map: TableLayout.sourceMap(v6: v6)))
        }
        t.chains["forward"] = LayoutChain(hook: .forward, rules: forward + [unmatched])
        var input: [LayoutRule] = [.acceptLoopback(input: true)] + established
        for v6 in [false, true] where hasToHost(v6: v6) {
            input.append(.sourceVmap(v6: v6, map: TableLayout.toHostMap(v6: v6)))
        }
        t.chains["input"] = LayoutChain(hook: .input, rules: input + [unmatched])
        var output: [LayoutRule] = [.acceptLoopback(input: false)] + established
        for v6 in [false, true] where hasDestinations(of: .host, v6: v6) {
            output.append(.destinationVmap(v6: v6, map: TableLayout.destinationMap(.host, v6: v6)))
        }
        t.chains["output"] = LayoutChain(hook: .output, rules: output + [unmatched])
    }

    /// Whether map `dst4-<s>` (or `dst6-`) has elements.
    func hasDestinations(of s: NetworkID, v6: Bool) -> Bool {
        guard let byDst = relations.bySource[s] else { return false }
        return byDst.keys.contains { v6 ? ranges6[$0] != nil : ranges4[$0] != nil }
    }

    /// Adds the objects of one source network — `from-<s>`, `dst4-<s>`, `dst6-<s>`, its
    /// `pair-<s>-<d>` chains with their `ports-`/`protos-` maps — and returns their names.
    /// Nothing is added for a network that neither holds addresses nor is `host`.
    @discardableResult
    public func addObjects(ofSource s: NetworkID, into t: inout TableLayout) -> SourceObjects {
        var names = SourceObjects()
        guard s == .host || holdsAddresses(s) else { return names }
        let byDst = relations.bySource[s] ?? [:]
        let inline = s == .host ? nil : destinationRules(of: s, byDst)
        var dst4 = Set<LayoutElement>(), dst6 = Set<LayoutElement>()
        // Pair chains towards `host` stay: map `to-host4` of the input hook names them.
        for (d, rel) in byDst where inline == nil || d == .host {
            let to = Self.target(s, d, rel)
            for i in ranges4[d] ?? [] { dst4.insert(.address4(first: i.first, last: i.last, to)) }
            for i in ranges6[d] ?? [] { dst6.insert(.address6(first: i.first, last: i.last, to)) }
            guard rel.needsPairChain else { continue }
            var rules: [LayoutRule] = []
            if !rel.ports.isEmpty {
                let name = TableLayout.portsMap(s, d)
                t.maps[name] = LayoutMap(kind: .ports, elements: Set(rel.ports.map { .port($0.key.proto, $0.key.ports, Self.target($0.value)) }))
                names.maps.insert(name)
                rules.append(.portVmap(map: name))
            }
            if !rel.protos.isEmpty {
                let name = TableLayout.protosMap(s, d)
                t.maps[name] = LayoutMap(kind: .protos, elements: Set(rel.protos.map { .proto($0.key, Self.target($0.value)) }))
                names.maps.insert(name)
                rules.append(.protoVmap(map: name))
            }
            rules.append(.target(rel.pair.map(Self.target) ?? .chain(TableLayout.unmatched)))
            let chain = TableLayout.pairChain(s, d)
            t.chains[chain] = LayoutChain(comment: "\(name(s)) to \(name(d))", rules: rules)
            names.chains.insert(chain)
        }
        if inline != nil { dst4 = []; dst6 = [] }
        for (v6, els) in [(false, dst4), (true, dst6)] where !els.isEmpty {
            let name = TableLayout.destinationMap(s, v6: v6)
            t.maps[name] = LayoutMap(kind: v6 ? .address6 : .address4, elements: els)
            names.maps.insert(name)
        }
        guard holdsAddresses(s) else { return names }
        var rules: [LayoutRule] = inline?.map { .destination($0) } ?? []
        if !dst4.isEmpty { rules.append(.destinationVmap(v6: false, map: TableLayout.destinationMap(s, v6: false))) }
        if !dst6.isEmpty { rules.append(.destinationVmap(v6: true, map: TableLayout.destinationMap(s, v6: true))) }
        let from = TableLayout.fromChain(s)
        // No tail: `from-<S>` is jumped to from `forward`, which ends in `goto unmatched`.
        t.chains[from] = LayoutChain(comment: "from \(name(s))", rules: rules)
        names.chains.insert(from)
        return names
    }

    /// The destinations of source `s` as rules (see `DestinationMatch`), in the order a pair
    /// chain would try them (ports, then protocols, then the pair's verdict; a packet that
    /// matches none of a destination's rules falls through to `goto unmatched`); nil when they
    /// would be more than `inlineLimit` rules or one of them cannot be written as a rule.
    func destinationRules(of s: NetworkID, _ byDst: [NetworkID: Relation]) -> [DestinationMatch]? {
        guard inlineLimit > 0 else { return nil }
        var count = 0
        for (d, rel) in byDst {
            let per = rel.needsPairChain ? rel.ports.count + rel.protos.count + (rel.pair == nil ? 0 : 1) : 1
            count += per * ((ranges4[d]?.count ?? 0) + (ranges6[d]?.count ?? 0))
            if count > inlineLimit { return nil }
        }
        var out: [DestinationMatch] = []
        for d in byDst.keys.sorted() {
            let rel = byDst[d]!
            var intervals: [(Bool, UInt128, UInt128)] = (ranges4[d] ?? []).map { (false, UInt128($0.first), UInt128($0.last)) }
            intervals += (ranges6[d] ?? []).map { (true, $0.first, $0.last) }
            for (v6, first, last) in intervals.sorted(by: { ($0.0 ? 1 : 0, $0.1) < ($1.0 ? 1 : 0, $1.1) }) {
                for (k, v) in rel.ports.sorted(by: { $0.key < $1.key }) {
                    out.append(DestinationMatch(v6: v6, first: first, last: last, proto: k.proto, ports: k.ports, verdict: destinationVerdict(v)))
                }
                for (p, v) in rel.protos.sorted(by: { $0.key < $1.key }) {
                    out.append(DestinationMatch(v6: v6, first: first, last: last, proto: p, verdict: destinationVerdict(v)))
                }
                if !rel.needsPairChain || rel.pair != nil {
                    out.append(DestinationMatch(v6: v6, first: first, last: last, verdict: destinationVerdict(rel.pair ?? .accept)))
                }
            }
        }
        return out.allSatisfy(\.isExpressible) ? out : nil
    }

    func name(_ id: NetworkID) -> String {
        ruleset.networkNames[id] ?? (id == .world ? "world" : id == .host ? "host" : "\(id)")
    }
}

extension Ruleset {
    /// The objects of table `inet routed` for this ruleset.
    public var layout: TableLayout { LayoutBuilder(self).layout() }
}
