import Testing
import TestScheduling
import Policy
import IPAddressing

@Suite(.blockingWork) struct MembershipTests {
    static func ruleset() throws -> (PolicyBook, Ruleset) {
        let book = try PolicyBook.make([])
        var m = Memberships()
        try m.insert(IPPrefix("10.0.0.0/24")!, into: book.nid("lamp"))
        try m.insert(IPPrefix("10.0.1.0/24")!, into: book.nid("lnmp"))
        try m.insert(IPPrefix("10.0.0.7/32")!, into: book.nid("lnmp"))   // stray address in lamp's block
        try m.insert(IPPrefix("192.0.2.1/32")!, into: .host)
        try m.insert(IPPrefix("2001:db8:1::/64")!, into: book.nid("lamp"))
        let ep = LocalEndpoint(ifname: "rdv1", addresses: [IPAddress("10.0.0.9")!], network: book.nid("web"))
        return (book, PolicyCompiler.compile(book, memberships: m, endpoints: [ep]))
    }

    @Test(arguments: [
        ("10.0.0.0", "lamp"), ("10.0.0.6", "lamp"), ("10.0.0.7", "lnmp"), ("10.0.0.8", "lamp"),
        ("10.0.0.9", "web"), ("10.0.0.255", "lamp"), ("10.0.1.0", "lnmp"), ("10.0.1.255", "lnmp"),
        ("10.0.2.0", "world"), ("9.255.255.255", "world"), ("0.0.0.0", "world"), ("255.255.255.255", "world"),
        ("192.0.2.1", "host"), ("192.0.2.2", "world"),
    ])
    func longestPrefixDecidesTheNetwork(address: String, network: String) throws {
        let (book, r) = try Self.ruleset()
        #expect(r.network(of: IPv4Address(address)!) == book.nid(network))
    }

    @Test func intervalsAreDisjointCoverEverythingAndMergeNeighbours() throws {
        let (_, r) = try Self.ruleset()
        #expect(r.addresses4.first?.first == 0 && r.addresses4.last?.last == UInt32.max)
        for (a, b) in zip(r.addresses4, r.addresses4.dropFirst()) {
            #expect(a.last &+ 1 == b.first)
            #expect(a.network != b.network, "neighbours of one network are merged")
        }
        #expect(r.addresses6.count == 3)
        #expect(LayoutElement.address6(first: r.addresses6[1].first, last: r.addresses6[1].last, .accept).nftKey == "2001:db8:1::/64")
        #expect(r.addresses6[1].network == NetworkID(deriving: NetworkName(rawValue: "lamp")!))
    }

    @Test func sameInputInAnyOrderGivesTheSameIntervals() throws {
        let book = try PolicyBook.make([])
        let prefixes = ["10.0.0.0/16", "10.0.3.0/24", "10.0.3.128/25", "10.0.3.130/32", "10.1.0.0/16"]
        var forward = Memberships(), backward = Memberships()
        let ids = ["lamp", "lnmp", "web", "lamp", "lnmp"].map(book.nid)
        for (p, id) in zip(prefixes, ids) { try forward.insert(IPPrefix(p)!, into: id) }
        for (p, id) in zip(prefixes, ids).reversed() { try backward.insert(IPPrefix(p)!, into: id) }
        let a = PolicyCompiler.compile(book, memberships: forward), b = PolicyCompiler.compile(book, memberships: backward)
        #expect(a.addresses4 == b.addresses4)
        #expect(a.network(of: IPv4Address("10.0.3.130")!) == book.nid("lamp"))
        #expect(a.network(of: IPv4Address("10.1.2.3")!) == book.nid("lnmp"))
        #expect(a.network(of: IPv4Address("10.0.3.131")!) == book.nid("web"))
        #expect(a.network(of: IPv4Address("10.0.3.1")!) == book.nid("lnmp"))
        #expect(a.network(of: IPv4Address("10.0.4.1")!) == book.nid("lamp"))
    }

    @Test func aPrefixClaimedByTwoNetworksIsAConflict() throws {
        let book = try PolicyBook.make([])
        var m = Memberships()
        try m.insert(IPPrefix("10.9.0.0/24")!, into: book.nid("lamp"))
        try m.insert(IPPrefix("10.9.0.0/24")!, into: book.nid("lnmp"))
        let r = PolicyCompiler.compile(book, memberships: m)
        let kept = min(book.nid("lamp"), book.nid("lnmp")), dropped = max(book.nid("lamp"), book.nid("lnmp"))
        #expect(r.conflicts == [MembershipConflict(prefix: "10.9.0.0/24", kept: kept, dropped: dropped)])
        #expect(r.network(of: IPv4Address("10.9.0.1")!) == kept)
    }

    @Test func worldCannotHaveMembers() {
        var m = Memberships()
        #expect(throws: PolicyError.memberOfPseudoNetwork(.world)) { try m.insert(IPPrefix("10.0.0.0/8")!, into: .world) }
    }

    @Test func endpointsFeedAntiSpoofing() throws {
        let (_, r) = try Self.ruleset()
        #expect(r.workloadInterfaces == ["rdv1"])
        #expect(r.antiSpoof4 == [InterfaceAddress("rdv1", IPv4Address("10.0.0.9")!)])
    }
}
