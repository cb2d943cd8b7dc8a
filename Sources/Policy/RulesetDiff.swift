/// What turns one ruleset into another by changing only what differs: policy chains to add or
/// delete, set and map elements to delete or add, and the default rule when it changed.
/// Applied in this order in one transaction: add chains, delete elements, add elements,
/// replace the default, delete chains (so no element ever points at a missing chain and an
/// interval is removed before the intervals that replace it are added).
public struct RulesetDiff: Hashable, Sendable {
    public var addedChains: [PolicyChain] = []
    /// Chains that stay but whose rule changed (a policy restored under an id with another
    /// rule): flushed and given the new rule, so map elements pointing at them stay valid.
    public var changedChains: [PolicyChain] = []
    public var deletedElements: [RulesetElement] = []
    public var addedElements: [RulesetElement] = []
    /// The new default action, when it changed.
    public var newDefault: PolicyAction?
    public var deletedChains: [PolicyID] = []

    public var isEmpty: Bool {
        addedChains.isEmpty && changedChains.isEmpty && deletedElements.isEmpty && addedElements.isEmpty && newDefault == nil && deletedChains.isEmpty
    }
    /// Number of element and chain changes (the size of the netlink batch, roughly).
    public var changeCount: Int {
        addedChains.count + changedChains.count + deletedElements.count + addedElements.count + deletedChains.count + (newDefault == nil ? 0 : 1)
    }

    public init() {}

    /// The minimal changes from `old` to `new`. A map element whose key stays but whose value
    /// changes is deleted and added again (nft cannot update a map element in place).
    public init(from old: Ruleset, to new: Ruleset) {
        var del: [RulesetElement] = [], add: [RulesetElement] = []
        func sets<T: Hashable>(_ a: some Collection<T>, _ b: some Collection<T>, _ make: (T) -> RulesetElement) {
            let sa = Set(a), sb = Set(b)
            for x in sa where !sb.contains(x) { del.append(make(x)) }
            for x in sb where !sa.contains(x) { add.append(make(x)) }
        }
        func maps<K: Hashable>(_ a: [K: Verdict], _ b: [K: Verdict], _ make: (K, Verdict) -> RulesetElement) {
            for (k, v) in a where b[k] != v { del.append(make(k, v)) }
            for (k, v) in b where a[k] != v { add.append(make(k, v)) }
        }
        sets(old.addresses4, new.addresses4) { .address4($0) }
        sets(old.addresses6, new.addresses6) { .address6($0) }
        maps(old.pairVerdicts, new.pairVerdicts) { .pair($0, $1) }
        maps(old.protoVerdicts, new.protoVerdicts) { .proto($0, $1) }
        maps(old.portVerdicts, new.portVerdicts) { .port($0, $1) }
        sets(old.workloadInterfaces, new.workloadInterfaces) { .workload(ifname: $0) }
        sets(old.antiSpoof4, new.antiSpoof4) { .spoof4(ifname: $0.ifname, $0.address) }
        sets(old.antiSpoof6, new.antiSpoof6) { .spoof6(ifname: $0.ifname, $0.address) }
        deletedElements = del.sorted()
        addedElements = add.sorted()
        for (id, chain) in new.policyChains.sorted(by: { $0.key < $1.key }) {
            if old.policyChains[id] == nil { addedChains.append(chain) } else if old.policyChains[id] != chain { changedChains.append(chain) }
        }
        deletedChains = old.policyChains.keys.filter { new.policyChains[$0] == nil }.sorted()
        if old.defaultAction != new.defaultAction { newDefault = new.defaultAction }
    }
}
