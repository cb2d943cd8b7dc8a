import Testing
import TestScheduling
import Policy
import IPAddressing

/// Incremental updates touch only the objects and elements that changed.
@Suite(.blockingWork) struct DiffTests {
    static func memberships(_ book: PolicyBook, stray: Bool = false) throws -> Memberships {
        var m = Memberships()
        for i in 0..<50 {
            try m.insert(IPPrefix("10.\(i).0.0/24")!, into: book.nid(["lamp", "lnmp", "web"][i % 3]))
        }
        if stray { try m.insert(IPPrefix("10.0.0.77/32")!, into: book.nid("lnmp")) }
        return m
    }

    static func hex(_ b: PolicyBook, _ n: String) -> String { TableLayout.hex(b.nid(n)) }

    @Test func identicalRulesetsHaveAnEmptyDiff() throws {
        let book = try PolicyBook.make(["deny lamp lnmp"])
        let r = PolicyCompiler.compile(book, memberships: try Self.memberships(book))
        #expect(RulesetDiff(from: r, to: r).isEmpty)
        #expect(RulesetDiff(from: r, to: r).nftText() == "")
    }

    @Test func oneStrayAddressSplitsOneInterval() throws {
        let book = try PolicyBook.make(["deny lamp lnmp"])
        let old = PolicyCompiler.compile(book, memberships: try Self.memberships(book))
        let new = PolicyCompiler.compile(book, memberships: try Self.memberships(book, stray: true))
        let d = RulesetDiff(from: old, to: new)
        let lamp = Self.hex(book, "lamp"), lnmp = Self.hex(book, "lnmp")
        #expect(LayoutElement.ordered(d.deletedElements["src4"] ?? []).map(\.nftText) == ["10.0.0.0/24 : jump from-\(lamp)"])
        #expect(LayoutElement.ordered(d.addedElements["src4"] ?? []).map(\.nftText) == [
            "10.0.0.0-10.0.0.76 : jump from-\(lamp)", "10.0.0.77 : jump from-\(lnmp)", "10.0.0.78-10.0.0.255 : jump from-\(lamp)"])
        // Every source that reaches lamp or lnmp sees the split in its own destination map.
        #expect(Set(d.addedElements.keys) == ["src4", "dst4-\(lamp)", "dst4-\(lnmp)"])
        #expect(d.addedElements["dst4-\(lamp)"]?.map(\.nftText).contains("10.0.0.77 : goto p1") == true)
        #expect(d.addedChains.isEmpty && d.deletedChains.isEmpty && d.changedChains.isEmpty && d.addedMaps.isEmpty)
        // and back
        let back = RulesetDiff(from: new, to: old)
        #expect(back.addedElements["src4"]?.map(\.nftKey) == ["10.0.0.0/24"] && back.deletedElements["src4"]?.count == 3)
    }

    @Test func addingAPortPolicyAddsItsPairChainsAndMaps() throws {
        let old = try PolicyBook.make(["deny lamp lnmp"])
        var new = old
        let id = try new.add(new.parse("allow lamp lnmp --proto tcp --port 80"))
        let m = try Self.memberships(old)
        let d = RulesetDiff(from: PolicyCompiler.compile(old, memberships: m), to: PolicyCompiler.compile(new, memberships: m))
        let lamp = Self.hex(old, "lamp"), lnmp = Self.hex(old, "lnmp")
        #expect(Set(d.addedChains.keys) == [id.chainName, "pair-\(lamp)-\(lnmp)", "pair-\(lnmp)-\(lamp)"])
        #expect(d.addedMaps == ["ports-\(lamp)-\(lnmp)": .ports, "ports-\(lnmp)-\(lamp)": .ports])
        #expect(d.addedElements["ports-\(lamp)-\(lnmp)"]?.map(\.nftText) == ["tcp . 80 : goto p2"])
        #expect(d.addedChains["pair-\(lamp)-\(lnmp)"]?.rules.map(\.nftText) == ["meta l4proto . th dport vmap @ports-\(lamp)-\(lnmp)", "goto p1"])
        // lnmp's blocks in lamp's destination map now go to the pair chain instead of p1.
        #expect(d.deletedElements["dst4-\(lamp)"]?.allSatisfy { $0.nftText.hasSuffix("goto p1") } == true)
        #expect(d.addedElements["dst4-\(lamp)"]?.allSatisfy { $0.nftText.hasSuffix("goto pair-\(lamp)-\(lnmp)") } == true)
        let remove = RulesetDiff(from: PolicyCompiler.compile(new, memberships: m), to: PolicyCompiler.compile(old, memberships: m))
        #expect(Set(remove.deletedChains) == Set(d.addedChains.keys) && Set(remove.deletedMaps) == Set(d.addedMaps.keys))
        #expect(remove.nftText().contains("flush chain inet routed pair-\(lamp)-\(lnmp)\n"))
    }

    @Test func changingTheDefaultChangesOnlyChainUnmatched() throws {
        let a = try PolicyBook.make(["deny lamp lnmp"])
        var b = a
        b.defaultAction = .deny
        let d = RulesetDiff(from: PolicyCompiler.compile(a), to: PolicyCompiler.compile(b))
        #expect(Array(d.changedChains.keys) == ["unmatched"] && d.changeCount == 1)
        #expect(d.nftText() == "flush chain inet routed unmatched\nadd rule inet routed unmatched counter drop\n")
    }

    /// Per-packet cost: the base chains hold the same rules whatever the number of policies,
    /// networks and endpoints, and every source chain holds at most one lookup per family and
    /// every pair chain at most two: only map elements and chains entered by one lookup grow.
    @Test func chainsDoNotGrowWithPolicies() throws {
        let small = PolicyCompiler.compile(try PolicyBook.make(["deny lamp lnmp"]), memberships: try Self.memberships(PolicyBook.make(["deny lamp lnmp"])))
        let names = (0..<200).map { "n\($0)" }
        var big = try PolicyBook.make(networks: names, [])
        for i in stride(from: 0, to: 198, by: 2) { try big.add(big.parse("deny n\(i) n\(i + 1) --proto tcp --port \(i + 1)")) }
        for i in stride(from: 0, to: 196, by: 2) { try big.add(big.parse("deny n\(i) n\(i + 2)")) }
        var m = Memberships()
        for i in 0..<200 { try m.insert(IPPrefix("10.\(i).0.0/24")!, into: big.nid("n\(i)")) }
        let large = PolicyCompiler.compile(big, memberships: m)
        for hook in LayoutHook.allCases {
            #expect(small.layout.chains[hook.rawValue]?.rules.count == large.layout.chains[hook.rawValue]?.rules.count)
        }
        // Map form: a source chain is two vmaps and a tail, a pair chain two vmaps and a verdict.
        for (name, c) in LayoutBuilder(large, inlineLimit: 0).layout().chains where name.hasPrefix("from-") || name.hasPrefix("pair-") {
            #expect(c.rules.count <= 3, "\(name) has \(c.rules.count) rules")
        }
        // Default: a source whose destinations make at most `inlineLimit` rules has them as
        // rules (and a tail); above that, maps. Either way a constant bound per packet.
        let limit = LayoutBuilder.defaultInlineLimit
        for (name, c) in large.layout.chains where name.hasPrefix("from-") || name.hasPrefix("pair-") {
            #expect(c.rules.count <= max(3, limit + 1), "\(name) has \(c.rules.count) rules")
        }
        var crowded = try PolicyBook.make(networks: names, [])
        for i in 1...10 { try crowded.add(crowded.parse("deny n0 n\(i) --one-way")) }
        let wide = PolicyCompiler.compile(crowded, memberships: m).layout
        #expect(wide.chains["from-\(TableLayout.hex(crowded.nid("n0")))"]?.rules.map(\.nftText).first == "ip daddr vmap @dst4-\(TableLayout.hex(crowded.nid("n0")))",
                "ten destinations are more than \(limit) rules: n0 keeps its map")
        #expect(wide.chains["from-\(TableLayout.hex(crowded.nid("n1")))"]?.rules.map(\.nftText) == ["ip daddr 10.1.0.0/24 accept"],
                "n1 names no destination: its own block (same network) only; forward ends in goto unmatched")
        #expect(large.portVerdicts.count == 198)
    }
}

@Suite(.blockingWork) struct PolicyIDTests {
    @Test func idsAreNeverReused() throws {
        var b = try PolicyBook.make(["deny lamp lnmp"])
        try b.remove(PolicyID(rawValue: 1))
        #expect(try b.add(b.parse("deny lamp web")) == PolicyID(rawValue: 2))
    }

    @Test func aChainWhoseRuleChangedIsFlushedNotRecreated() throws {
        let a = try PolicyBook.make(["deny lamp lnmp"])
        var b = try PolicyBook.make([])
        try b.restore(Policy(id: PolicyID(rawValue: 1), rule: b.parse("allow lamp lnmp")))
        // Fifty blocks: lamp and lnmp keep maps, whose elements `goto p1`.
        let m = try DiffTests.memberships(a)
        let d = RulesetDiff(from: PolicyCompiler.compile(a, memberships: m), to: PolicyCompiler.compile(b, memberships: m))
        #expect(Array(d.changedChains.keys) == ["p1"] && d.addedChains.isEmpty && d.deletedChains.isEmpty)
        #expect(d.nftText() == "flush chain inet routed p1\nadd rule inet routed p1 counter accept\n")
    }
}
