import Testing
import TestScheduling
import Netlink
import Policy
import PolicyKernel
import IPAddressing

/// A policy folded into a small source's destination rules: the rule holds the policy's counter,
/// log and verdict and names the policy in its comment; chain `pN` exists only while a map
/// element or a pair chain still sends packets to it; the hits are summed per policy.
@Suite(.blockingWork) struct FoldTests {
    static func model(inlineLimit: Int = LayoutBuilder.defaultInlineLimit) throws -> (PolicyBook, TableLayout) {
        let book = try PolicyBook.make(networks: ["lamp", "lnmp", "web", "db"], ["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 80 --log", "deny web db"])
        var m = Memberships()
        try m.insert(IPPrefix("10.0.0.0/24")!, into: book.nid("lamp"))
        try m.insert(IPPrefix("10.0.1.0/24")!, into: book.nid("lnmp"))
        return (book, LayoutBuilder(PolicyCompiler.compile(book, memberships: m), inlineLimit: inlineLimit).layout())
    }

    @Test func aSmallSourceCarriesThePolicyInItsRules() throws {
        let (book, t) = try Self.model()
        let lamp = TableLayout.hex(book.nid("lamp")), lnmp = TableLayout.hex(book.nid("lnmp"))
        #expect(t.chains["from-\(lamp)"]?.rules.map(\.nftText) == [
            "ip daddr 10.0.1.0/24 tcp dport 80 counter log prefix \"routed p2 allow \" accept comment \"p2\"",
            "ip daddr 10.0.1.0/24 counter drop comment \"p1\"",
            "ip daddr 10.0.0.0/24 accept",                                                                   // same network
        ])
        #expect(t.chains["from-\(lnmp)"]?.rules.map(\.nftText).last == "ip daddr 10.0.0.0/24 counter drop comment \"p1\"", "deny covers both directions")
        #expect(t.chains["from-\(lamp)"]?.rules.map(\.comment) == ["p2", "p1", nil])
        #expect(t.referencedPolicies.isEmpty)
        #expect(t.chains.keys.filter { PolicyID(chainName: $0) != nil }.isEmpty, "no chain pN: every policy is folded in")
    }

    @Test func mapsKeepTheChainsTheyReach() throws {
        let (_, t) = try Self.model(inlineLimit: 0)
        #expect(t.referencedPolicies == [PolicyID(rawValue: 1), PolicyID(rawValue: 2)])
        #expect(t.chains["p1"]?.rules.map(\.nftText) == ["counter drop"])
        #expect(t.chains["p2"]?.rules.map(\.nftText) == ["counter log prefix \"routed p2 allow \" accept"])
        #expect(t.chains["p3"] == nil, "deny web db: neither network holds addresses, nothing reaches p3")
    }

    /// The rule's comment goes to the kernel as nft writes it: user data record 0
    /// (`NFTNL_UDATA_RULE_COMMENT`), a length byte, the text and its zero.
    @Test(arguments: [
        ([0, 3, 0x70, 0x37, 0] as [UInt8], "p7" as String?),         // comment "p7"
        ([1, 1, 9, 0, 3, 0x70, 0x31, 0], "p1"),                       // another record first
        ([0, 9, 0x70, 0x37], nil),                                    // length past the end: none
        ([], nil),
    ])
    func theCommentIsReadFromRuleUserData(bytes: [UInt8], comment: String?) {
        #expect(bytes.withUnsafeBytes { NFTablesSocket.comment(inUserData: $0) } == comment)
    }

    @Test func hitsAreSummedPerPolicy() {
        let read = [
            NFTRuleCounter(chain: "p1", handle: 4, packets: 2, bytes: 168),                                   // a map reached p1
            NFTRuleCounter(chain: "from-6bf0ef3b", handle: 9, packets: 3, bytes: 252, comment: "p1"),         // folded, one direction
            NFTRuleCounter(chain: "from-44cbad52", handle: 12, packets: 5, bytes: 420, comment: "p1"),        // and the other
            NFTRuleCounter(chain: "from-44cbad52", handle: 13, packets: 1, bytes: 60, comment: "p2"),
            NFTRuleCounter(chain: "prerouting", handle: 2, packets: 7, bytes: 7),                             // anti-spoofing: no policy
            NFTRuleCounter(chain: "pair-6bf0ef3b-44cbad52", handle: 20, packets: 9, bytes: 9),
        ]
        let ids = [1, 2, 3].map { PolicyID(rawValue: $0) }
        #expect(PolicyEngine.policyCounters(read, policies: ids) == [
            ids[0]: PolicyCounter(packets: 10, bytes: 840), ids[1]: PolicyCounter(packets: 1, bytes: 60),
            ids[2]: PolicyCounter(packets: 0, bytes: 0),   // no rule yet: zero, not missing
        ])
    }

    @Test func hitsAreSummedFromTheListingToo() {
        let listing = """
        table inet routed {
        \tchain p1 {
        \t\tcomment "deny lamp lnmp"
        \t\tcounter packets 2 bytes 168 drop
        \t}
        \tchain from-6bf0ef3b {
        \t\tcomment "from lamp"
        \t\tip daddr 10.0.1.0/24 tcp dport 80 counter packets 1 bytes 60 log prefix "routed p2 allow " accept comment "p2"
        \t\tip daddr 10.0.1.0/24 counter packets 3 bytes 252 drop comment "p1"
        \t}
        \tchain prerouting {
        \t\tiifname @workloads iifname . ip saddr != @spoof4 counter packets 7 bytes 7 drop
        \t}
        }
        """
        #expect(Ruleset.policyCounters(fromListing: listing) == [
            PolicyID(rawValue: 1): PolicyCounter(packets: 5, bytes: 420), PolicyID(rawValue: 2): PolicyCounter(packets: 1, bytes: 60),
        ])
    }

    @Test(arguments: [("p7", 7 as UInt32?), ("p", nil), ("pair-1-2", nil), ("p1x", nil), ("from-00000001", nil), ("p0", 0)])
    func policyChainNames(name: String, id: UInt32?) {
        #expect(PolicyID(chainName: name)?.rawValue == id)
    }
}
