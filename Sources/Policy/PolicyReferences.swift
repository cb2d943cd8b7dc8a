/// Which policy chains `pN` the table needs. A policy whose every rule is folded into a small
/// source's destination rules (`DestinationVerdict.policy`) has no chain: only map elements
/// (`dst4-<S>`, `to-host4`, `ports-`/`protos-` maps) and pair chains still `goto pN`, because
/// a verdict map cannot count per policy. At the scale no source needs a map, so the
/// 1,000 one-rule chains (and their 1,000 rules) are gone from the full load.
extension PolicyID {
    /// The policy whose chain is `name` (`p7` → 7); nil for every other chain (`pair-…`).
    public init?(chainName name: String) {
        guard name.hasPrefix("p"), let n = UInt32(name.dropFirst()), name.count > 1, name.dropFirst().allSatisfy(\.isNumber) else { return nil }
        self.init(rawValue: n)
    }
}

extension LayoutTarget {
    /// The policy this target sends a packet to (`goto pN`).
    var policy: PolicyID? {
        if case .chain(let c) = self { return PolicyID(chainName: c) }
        return nil
    }
}

extension LayoutChain {
    /// The policies whose chains this chain's rules `goto`.
    public var policyReferences: Set<PolicyID> {
        var out = Set<PolicyID>()
        for r in rules {
            switch r {
            case .target(let t): if let p = t.policy { out.insert(p) }
            case .destination(let m): if case .target(let t) = m.verdict, let p = t.policy { out.insert(p) }
            default: break
            }
        }
        return out
    }
}

extension LayoutMap {
    /// The policies whose chains this map's elements `goto`.
    public var policyReferences: Set<PolicyID> {
        guard kind.isMap else { return [] }
        var out = Set<PolicyID>()
        for e in elements {
            switch e {
            case .address4(_, _, let t), .address6(_, _, let t), .port(_, _, let t), .proto(_, let t):
                if let p = t.policy { out.insert(p) }
            default: break
            }
        }
        return out
    }
}

extension TableLayout {
    /// The policies some map element or rule of the table (other than the policy chains
    /// themselves) sends packets to: those need a chain `pN`.
    public var referencedPolicies: Set<PolicyID> {
        var out = Set<PolicyID>()
        for (name, m) in maps where name != TableLayout.sourceMap(v6: false) && name != TableLayout.sourceMap(v6: true) {
            out.formUnion(m.policyReferences)
        }
        for (name, c) in chains where PolicyID(chainName: name) == nil { out.formUnion(c.policyReferences) }
        return out
    }
}
