/// What turns one ruleset into another by changing only what differs: policy chains to add or
/// delete, set and map elements to delete or add, and the default rule when it changed.
/// Applied in this order in one transaction: add chains, delete elements, add elements,
/// replace the default, delete chains (so no element ever points at a missing chain and an
/// interval is removed before the intervals that replace it are added).
public struct RulesetDiff: Hashable, Sendable {
    public var addedChains: [PolicyChain] = []
    public var deletedElements: [RulesetElement] = []
    public var addedElements: [RulesetElement] = []
    /// The new default action, when it changed.
    public var newDefault: PolicyAction?
    public var deletedChains: [PolicyID] = []

    public var isEmpty: Bool {
        addedChains.isEmpty && deletedElements.isEmpty && addedElements.isEmpty && newDefault == nil && deletedChains.isEmpty
    }
    /// Number of element and chain changes (the size of the netlink batch, roughly).
    public var changeCount: Int {
        addedChains.count + deletedElements.count + addedElements.count + deletedChains.count + (newDefault == nil ? 0 : 1)
    }

    public init() {}

    /// The minimal changes from `old` to `new`. A map element whose key stays but whose value
    /// changes is deleted and added again (nft cannot update a map element in place).
    public init(from old: Ruleset, to new: Ruleset) {
        let before = Set(old.elements), after = Set(new.elements)
        deletedElements = before.subtracting(after).sorted()
        addedElements = after.subtracting(before).sorted()
        for (id, chain) in new.policyChains.sorted(by: { $0.key < $1.key }) where old.policyChains[id] != chain {
            addedChains.append(chain)
        }
        for (id, chain) in old.policyChains.sorted(by: { $0.key < $1.key }) where new.policyChains[id] != chain {
            deletedChains.append(id)
        }
        // A chain whose content changed under the same id is deleted, then added under a new
        // id by the book; same-id replacement is not produced by PolicyBook (ids are not reused
        // while the policy exists), so it is handled as delete + add of the chain only.
        if old.defaultAction != new.defaultAction { newDefault = new.defaultAction }
    }
}
