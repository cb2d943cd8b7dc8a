import IPAddressing

/// Networks + policies + memberships + local endpoints → `Ruleset`. A pure function.
///
/// Precedence (see `Specificity`): for a packet from network S to network D,
/// 1. S == D (same network, also world → world and host → host): always accepted; a policy
///    cannot name one network twice.
/// 2. The most specific level with a matching policy decides: protocol + port beats protocol
///    beats any-protocol.
/// 3. Within one level, deny beats allow; between two policies with the same action the lower
///    id is the one whose counter counts. Overlapping port ranges are cut into disjoint pieces,
///    each decided this way.
/// 4. No policy: traffic touching a named network gets the default action; traffic between
///    the pseudo-networks only (world ↔ host) is accepted.
public enum PolicyCompiler {
    public static func compile(_ book: PolicyBook, memberships: Memberships = Memberships(),
                               endpoints: [LocalEndpoint] = []) -> Ruleset {
        var r = Ruleset()
        r.defaultAction = book.defaultAction
        r.networkNames = [.world: "world", .host: "host"]
        for n in book.networks.values { r.networkNames[n.id] = n.name.rawValue }
        addMemberships(&r, memberships, endpoints)
        addVerdicts(&r, book)
        for ep in endpoints {
            r.workloadInterfaces.insert(ep.ifname)
            for a in ep.addresses {
                switch a {
                case .v4(let v4): r.antiSpoof4.insert(InterfaceAddress(ep.ifname, v4))
                case .v6(let v6): r.antiSpoof6.insert(InterfaceAddress(ep.ifname, v6))
                }
            }
        }
        return r
    }

    /// `r` with everything that depends on the book recompiled (verdicts, policy chains, the
    /// default, network names) and the address partition and anti-spoofing kept: what a policy
    /// change needs, in O(policies).
    public static func recompilePolicies(_ r: Ruleset, _ book: PolicyBook) -> Ruleset {
        var out = r
        out.pairVerdicts = [:]; out.protoVerdicts = [:]; out.portVerdicts = [:]; out.policyChains = [:]
        out.defaultAction = book.defaultAction
        out.networkNames = [.world: "world", .host: "host"]
        for n in book.networks.values { out.networkNames[n.id] = n.name.rawValue }
        addVerdicts(&out, book)
        return out
    }

    static func addMemberships(_ r: inout Ruleset, _ m: Memberships, _ endpoints: [LocalEndpoint]) {
        var v4: [IntervalPartition.Input<UInt32>] = []
        var v6: [IntervalPartition.Input<UInt128>] = []
        var all = m.all
        for ep in endpoints {
            for a in ep.addresses {
                switch a {
                case .v4(let x): all.append((.v4(IPv4Prefix(x, length: 32)), ep.network))
                case .v6(let x): all.append((.v6(IPv6Prefix(x, length: 128)), ep.network))
                }
            }
        }
        for (prefix, id) in all where id != .world {
            switch prefix {
            case .v4(let p): v4.append(.init(first: p.address.value, length: Int(p.length), network: id))
            case .v6(let p):
                let first = UInt128(p.address.high) << 64 | UInt128(p.address.low)
                v6.append(.init(first: first, length: Int(p.length), network: id))
            }
        }
        var conflicts: [(String, NetworkID, NetworkID)] = []
        r.addresses4 = IntervalPartition.partition(v4, conflicts: &conflicts) { "\(IPv4Address($0))/\($1)" }
        r.addresses6 = IntervalPartition.partition(v6, conflicts: &conflicts) {
            "\(IPv6Address(high: UInt64($0 >> 64), low: UInt64(truncatingIfNeeded: $0)))/\($1)"
        }
        r.conflicts = conflicts.map { MembershipConflict(prefix: $0.0, kept: $0.1, dropped: $0.2) }
    }

    /// A candidate verdict: deny sorts first, then the lower policy id.
    struct Candidate: Comparable {
        var action: PolicyAction, id: PolicyID
        static func < (l: Self, r: Self) -> Bool {
            (l.action == .deny ? 0 : 1, l.id) < (r.action == .deny ? 0 : 1, r.id)
        }
    }

    /// `r` with the verdicts of every pair that touches `nets` compiled again from `book`, the
    /// chains of the policies `ids`, the default and the names: what one policy change needs,
    /// in O(policies naming those networks) plus one pass over the verdicts — the answer is the
    /// same as `recompilePolicies(r, book)` when `nets` holds both ends of every changed policy
    /// and every network created or deleted (`PolicyBook.changes(to:)`).
    public static func recompilePolicies(_ r: Ruleset, _ book: PolicyBook, touching nets: Set<NetworkID>, policies ids: Set<PolicyID>) -> Ruleset {
        var out = r
        recompilePolicies(&out, book, touching: nets, policies: ids)
        return out
    }

    /// `recompilePolicies(_:_:touching:policies:)` in place (no copy of the verdict maps when
    /// `out` is their only owner).
    public static func recompilePolicies(_ out: inout Ruleset, _ book: PolicyBook, touching nets: Set<NetworkID>, policies ids: Set<PolicyID>) {
        func touches(_ k: PairKey) -> Bool { nets.contains(k.src) || nets.contains(k.dst) }
        for k in out.pairVerdicts.keys.filter(touches) { out.pairVerdicts[k] = nil }
        for k in out.protoVerdicts.keys.filter({ touches($0.pair) }) { out.protoVerdicts[k] = nil }
        for k in out.portVerdicts.keys.filter({ touches($0.pair) }) { out.portVerdicts[k] = nil }
        let concerned = book.policies.filter { nets.contains(NetworkID(deriving: $0.value.from)) || nets.contains(NetworkID(deriving: $0.value.to)) }
            .keys.sorted().map { Policy(id: $0, rule: book.policies[$0]!) }
        var sub = Ruleset()
        addVerdicts(&sub, book, policies: concerned, alwaysFor: nets)
        out.pairVerdicts.merge(sub.pairVerdicts) { _, new in new }
        out.protoVerdicts.merge(sub.protoVerdicts) { _, new in new }
        out.portVerdicts.merge(sub.portVerdicts) { _, new in new }
        for id in ids {
            out.policyChains[id] = book.policies[id].map { PolicyChain(id: id, action: $0.action, log: $0.log, comment: $0.description) }
        }
        out.defaultAction = book.defaultAction
        for id in nets where id != .world && id != .host { out.networkNames[id] = nil }
        for n in book.networks.values where nets.contains(n.id) { out.networkNames[n.id] = n.name.rawValue }
    }

    /// - Parameters:
    ///   - policies: the policies to compile (all of the book's by default), by id.
    ///   - alwaysFor: only the always-accepted pairs touching these networks (all by default).
    static func addVerdicts(_ r: inout Ruleset, _ book: PolicyBook, policies: [Policy]? = nil, alwaysFor: Set<NetworkID>? = nil) {
        var pairs: [PairKey: Candidate] = [:]
        var protos: [ProtoKey: Candidate] = [:]
        var ports: [ProtoKey: [(PortRange, Candidate)]] = [:]
        for policy in policies ?? book.sortedPolicies {
            let rule = policy.rule
            guard let fromID = try? book.id(of: rule.from), let toID = try? book.id(of: rule.to) else { continue }
            let c = Candidate(action: rule.action, id: policy.id)
            r.policyChains[policy.id] = PolicyChain(id: policy.id, action: rule.action, log: rule.log, comment: rule.description)
            let directions = rule.oneWay ? [PairKey(fromID, toID)] : [PairKey(fromID, toID), PairKey(toID, fromID)]
            for pair in directions {
                switch rule.specificity {
                case .pair:
                    pairs[pair] = min(pairs[pair] ?? c, c)
                case .proto:
                    for p in IPProtocolNumber.matching(rule.proto!) { protos[ProtoKey(pair, p)] = min(protos[ProtoKey(pair, p)] ?? c, c) }
                case .protoAndPort:
                    for p in IPProtocolNumber.matching(rule.proto!) { ports[ProtoKey(pair, p), default: []].append((rule.ports!, c)) }
                }
            }
        }
        for (k, c) in pairs { r.pairVerdicts[k] = .policy(c.id) }
        for (k, c) in protos { r.protoVerdicts[k] = .policy(c.id) }
        for (k, list) in ports {
            for (range, c) in PortSegments.resolve(list) { r.portVerdicts[PortKey(k.pair, k.proto, range)] = .policy(c.id) }
        }
        // Same network, and the pseudo-networks among themselves, unless a policy names the pair.
        var always: [PairKey] = book.networks.values.map { PairKey($0.id, $0.id) }
        for a in [NetworkID.world, .host] { for b in [NetworkID.world, .host] { always.append(PairKey(a, b)) } }
        for k in always where r.pairVerdicts[k] == nil && (alwaysFor.map { $0.contains(k.src) || $0.contains(k.dst) } ?? true) {
            r.pairVerdicts[k] = .accept
        }
    }
}

/// Cuts overlapping port ranges of one (pair, protocol) into disjoint ranges, each decided by
/// the best candidate covering it; adjacent pieces with the same winner are merged.
enum PortSegments {
    static func resolve(_ list: [(PortRange, PolicyCompiler.Candidate)]) -> [(PortRange, PolicyCompiler.Candidate)] {
        var bounds = Set<Int>()
        for (r, _) in list { bounds.insert(Int(r.low)); bounds.insert(Int(r.high) + 1) }
        let cuts = bounds.sorted()
        var out: [(PortRange, PolicyCompiler.Candidate)] = []
        for (lo, next) in zip(cuts, cuts.dropFirst()) {
            let hi = next - 1
            let covering = list.filter { Int($0.0.low) <= lo && hi <= Int($0.0.high) }.map(\.1)
            guard let best = covering.min() else { continue }
            if let last = out.last, last.1 == best, Int(last.0.high) + 1 == lo {
                out[out.count - 1] = (try! PortRange(last.0.low, UInt16(hi)), best)
            } else {
                out.append((try! PortRange(UInt16(lo), UInt16(hi)), best))
            }
        }
        return out
    }
}
