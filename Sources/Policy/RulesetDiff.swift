/// What turns one table layout into another by changing only what differs. Applied in one
/// transaction, in this order, so nothing ever points at a missing object:
/// 1. add maps and sets; 2. add chains (empty); 3. flush changed chains and chains to delete;
/// 4. delete elements; 5. add elements; 6. add the rules of added and changed chains;
/// 7. delete maps (no rule refers to them any more); 8. delete chains (no rule or element does).
/// An interval is removed before the intervals that replace it are added; a map element whose
/// key stays but whose verdict changes is deleted and added again (nft cannot update in place).
public struct RulesetDiff: Hashable, Sendable {
    public var addedMaps: [String: LayoutMapKind] = [:]
    public var addedChains: [String: LayoutChain] = [:]
    /// Chains that stay but whose rules changed: flushed and given the new rules.
    public var changedChains: [String: LayoutChain] = [:]
    public var deletedElements: [String: [LayoutElement]] = [:]
    public var addedElements: [String: [LayoutElement]] = [:]
    public var deletedMaps: [String] = []
    /// The kinds of the deleted maps (nft says `delete map` or `delete set`).
    public var deletedMapKinds: [String: LayoutMapKind] = [:]
    public var deletedChains: [String] = []

    public init() {}

    public var isEmpty: Bool { changeCount == 0 }

    /// Number of objects and elements changed (about the number of netlink messages' items).
    public var changeCount: Int {
        addedMaps.count + addedChains.count + changedChains.count + deletedMaps.count + deletedChains.count
            + deletedElements.values.reduce(0) { $0 + $1.count } + addedElements.values.reduce(0) { $0 + $1.count }
    }

    /// The minimal changes from `old` to `new`, comparing every object.
    public init(from old: TableLayout, to new: TableLayout) {
        self.init(from: old, to: new, maps: Set(old.maps.keys).union(new.maps.keys), chains: Set(old.chains.keys).union(new.chains.keys))
    }

    /// The changes of the named objects only: what an update that knows which objects it
    /// touched compares (the rest of both layouts is not looked at).
    public init(from old: TableLayout, to new: TableLayout, maps: Set<String>, chains: Set<String>) {
        for name in maps {
            switch (old.maps[name], new.maps[name]) {
            case (nil, let n?):
                addedMaps[name] = n.kind
                if !n.elements.isEmpty { addedElements[name] = Array(n.elements) }
            case (let o?, nil):
                deletedMaps.append(name); deletedMapKinds[name] = o.kind
            case (let o?, let n?) where o.elements != n.elements:
                let del = o.elements.subtracting(n.elements), add = n.elements.subtracting(o.elements)
                if !del.isEmpty { deletedElements[name] = Array(del) }
                if !add.isEmpty { addedElements[name] = Array(add) }
            default: break
            }
        }
        for name in chains {
            switch (old.chains[name], new.chains[name]) {
            case (nil, let n?): addedChains[name] = n
            case (_?, nil): deletedChains.append(name)
            case (let o?, let n?) where o.rules != n.rules: changedChains[name] = n
            default: break
            }
        }
        deletedMaps.sort(); deletedChains.sort()
    }

    /// Adds element changes the caller computed itself (from the change, not by comparing maps).
    public mutating func addElementChanges(map: String, deleted: [LayoutElement], added: [LayoutElement]) {
        if !deleted.isEmpty { deletedElements[map, default: []] += deleted }
        if !added.isEmpty { addedElements[map, default: []] += added }
    }

    /// The changes between two rulesets' layouts.
    public init(from old: Ruleset, to new: Ruleset) {
        self.init(from: old.layout, to: new.layout)
    }
}
