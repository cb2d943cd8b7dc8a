import Testing
import Policy
import IPAddressing

/// Incremental updates touch only the elements that changed.
@Suite struct DiffTests {
    static func memberships(_ book: PolicyBook, stray: Bool = false) throws -> Memberships {
        var m = Memberships()
        for i in 0..<50 {
            try m.insert(IPPrefix("10.\(i).0.0/24")!, into: book.nid(["lamp", "lnmp", "web"][i % 3]))
        }
        if stray { try m.insert(IPPrefix("10.0.0.77/32")!, into: book.nid("lnmp")) }
        return m
    }

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
        #expect(d.deletedElements.map(Ruleset.elementKey) == ["10.0.0.0/24"])
        #expect(d.addedElements.map(Ruleset.elementKey) == ["10.0.0.0-10.0.0.76", "10.0.0.77", "10.0.0.78-10.0.0.255"])
        #expect(d.addedChains.isEmpty && d.deletedChains.isEmpty && d.newDefault == nil)
        // and back
        let back = RulesetDiff(from: new, to: old)
        #expect(back.addedElements.map(Ruleset.elementKey) == ["10.0.0.0/24"] && back.deletedElements.count == 3)
    }

    @Test func addingAPolicyAddsItsChainAndItsElementsOnly() throws {
        let old = try PolicyBook.make(["deny lamp lnmp"])
        var new = old
        let id = try new.add(new.parse("allow lamp lnmp --proto tcp --port 80"))
        let m = try Self.memberships(old)
        let d = RulesetDiff(from: PolicyCompiler.compile(old, memberships: m), to: PolicyCompiler.compile(new, memberships: m))
        #expect(d.addedChains.map(\.id) == [id])
        #expect(d.deletedElements.isEmpty)
        #expect(Set(d.addedElements.map(Ruleset.element)) == [
            "\(old.nid("lamp")) . \(old.nid("lnmp")) . tcp . 80 : goto p2",
            "\(old.nid("lnmp")) . \(old.nid("lamp")) . tcp . 80 : goto p2",
        ])
        let remove = RulesetDiff(from: PolicyCompiler.compile(new, memberships: m), to: PolicyCompiler.compile(old, memberships: m))
        #expect(remove.deletedChains == [id] && remove.deletedElements.count == 2 && remove.addedElements.isEmpty)
    }

    @Test func changingTheDefaultReplacesOnlyTheDefaultRule() throws {
        let a = try PolicyBook.make(["deny lamp lnmp"])
        var b = a
        b.defaultAction = .deny
        let d = RulesetDiff(from: PolicyCompiler.compile(a), to: PolicyCompiler.compile(b))
        #expect(d.newDefault == .deny && d.changeCount == 1)
        #expect(d.nftText().contains("add rule inet routed classify counter drop"))
    }

    /// Per-packet cost: the base chains hold the same rules whatever the number of policies,
    /// networks and endpoints; only set/map elements and per-policy chains (entered by one
    /// verdict-map hit) grow.
    @Test func baseChainsDoNotGrowWithPolicies() throws {
        let small = PolicyCompiler.compile(try PolicyBook.make(["deny lamp lnmp"]))
        let names = (0..<200).map { "n\($0)" }
        var big = try PolicyBook.make(networks: names, [])
        for i in stride(from: 0, to: 198, by: 2) { try big.add(big.parse("deny n\(i) n\(i + 1) --proto tcp --port \(i + 1)")) }
        let large = PolicyCompiler.compile(big)
        func baseChains(_ text: String) -> [String] {
            text.split(separator: "\tchain ").map(String.init).filter { ["classify", "forward", "input", "output", "prerouting"].contains(where: $0.hasPrefix) }
        }
        #expect(baseChains(small.nftText()) == baseChains(large.nftText()))
        #expect(large.portVerdicts.count == 198)
    }
}

@Suite struct PolicyIDTests {
    @Test func idsAreNeverReused() throws {
        var b = try PolicyBook.make(["deny lamp lnmp"])
        try b.remove(PolicyID(rawValue: 1))
        #expect(try b.add(b.parse("deny lamp web")) == PolicyID(rawValue: 2))
    }

    @Test func aChainWhoseRuleChangedIsFlushedNotRecreated() throws {
        let a = try PolicyBook.make(["deny lamp lnmp"])
        var b = try PolicyBook.make([])
        try b.restore(Policy(id: PolicyID(rawValue: 1), rule: b.parse("allow lamp lnmp")))
        let d = RulesetDiff(from: PolicyCompiler.compile(a), to: PolicyCompiler.compile(b))
        #expect(d.changedChains.map(\.id) == [PolicyID(rawValue: 1)] && d.addedChains.isEmpty && d.deletedChains.isEmpty)
        #expect(d.nftText() == "flush chain inet routed p1\nadd rule inet routed p1 counter goto pass\n")
    }
}
