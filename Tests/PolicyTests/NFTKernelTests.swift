import Testing
import TestScheduling
import Foundation
import Policy
import IPAddressing

/// The rendered text against the real `nft` and kernel, inside namespaces this test creates.
@Suite(.blockingWork, .enabled(if: canUseNamespaces, "needs root, ip and nft: skipped (run as root to check the nft text against the kernel)"))
struct NFTKernelTests {
    /// A representative model: v4 and v6 memberships with a stray /32, endpoints, every level of
    /// policy, a log, one-way, pseudo-networks, default deny.
    static func model(extra: [String] = [], stray: Bool = false) throws -> Ruleset {
        var book = try PolicyBook.make([
            "deny lamp lnmp", "allow lamp lnmp --proto tcp --port 80", "allow lamp lnmp --proto tcp --port 8000-8080 --log",
            "deny web lamp --proto udp --one-way", "deny world lamp --proto icmp", "allow lnmp host --proto udp --port 53",
        ] + extra, default: .deny)
        book.defaultAction = .deny
        var m = Memberships()
        try m.insert(IPPrefix("10.0.0.0/24")!, into: book.nid("lamp"))
        try m.insert(IPPrefix("10.0.1.0/24")!, into: book.nid("lnmp"))
        try m.insert(IPPrefix("10.0.2.0/24")!, into: book.nid("web"))
        try m.insert(IPPrefix("2001:db8:1::/64")!, into: book.nid("lamp"))
        try m.insert(IPPrefix("192.0.2.10/32")!, into: .host)
        if stray { try m.insert(IPPrefix("10.0.0.77/32")!, into: book.nid("lnmp")) }
        let eps = [LocalEndpoint(ifname: "rdv1", addresses: [IPAddress("10.0.0.1")!, IPAddress("2001:db8:1::1")!], network: book.nid("lamp")),
                   LocalEndpoint(ifname: "rdv2", addresses: [IPAddress("10.0.1.1")!], network: book.nid("lnmp"))]
        return PolicyCompiler.compile(book, memberships: m, endpoints: eps)
    }

    /// `nft list table inet routed` with blocks and elements sorted, counters zeroed: hash-set
    /// order depends on a per-set random seed, chain order on creation order.
    static func normalized(_ listing: String) -> [String] {
        listing.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0 != "}" && !$0.hasPrefix("table ") }.joined(separator: "\n")
            .split(separator: "\n\n").map { block in
            var b = String(block)
            if let open = b.range(of: "elements = {"), let close = b.range(of: "}", range: open.upperBound..<b.endIndex) {
                let items = b[open.upperBound..<close.lowerBound].split(separator: ",")
                    .map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }.sorted()
                b.replaceSubrange(open.lowerBound..<close.upperBound, with: "elements = { \(items.joined(separator: ", ")) }")
            }
            return b.replacing(/packets \d+ bytes \d+/, with: "packets 0 bytes 0").trimmingCharacters(in: .whitespacesAndNewlines)
        }.filter { !$0.isEmpty }.sorted()
    }

    @Test func nftAcceptsAndLoadsTheRenderedRuleset() throws {
        let ns = try TestNamespace("n")
        defer { ns.delete() }
        let r = try Self.model()
        try ns.nft(r.nftText(), check: true)
        try ns.nft(r.nftReplaceText())
        let listing = ns.exec(["nft", "list", "table", "inet", "routed"]).out
        let lamp = NetworkID(deriving: NetworkName(rawValue: "lamp")!), lnmp = NetworkID(deriving: NetworkName(rawValue: "lnmp")!)
        let l = TableLayout.hex(lamp), n = TableLayout.hex(lnmp)
        #expect(listing.contains("10.0.0.0/24 : jump from-\(l)"))
        #expect(listing.contains("2001:db8:1::/64 : jump from-\(l)"))
        #expect(listing.contains("map ports-\(l)-\(n) {"))
        #expect(listing.contains("tcp . 8000-8080 : goto p3"))
        #expect(listing.contains("log prefix \"routed p3 allow \""))
        #expect(listing.contains("\"rdv1\" . 10.0.0.1"))
        #expect(listing.contains("type inet_proto . inet_service : verdict"))
        // Loading the replacement again is atomic and idempotent.
        try ns.nft(r.nftReplaceText())
        #expect(Self.normalized(ns.exec(["nft", "list", "table", "inet", "routed"]).out) == Self.normalized(listing))
    }

    @Test(arguments: [
        (["allow web lnmp --proto tcp --port 443"], false),   // a policy added
        ([], true),                                           // a stray /32 joins lnmp
        (["deny web lnmp --log"], true),                      // both
    ])
    func anIncrementalUpdateGivesWhatAFullLoadGives(extra: [String], stray: Bool) throws {
        let a = try TestNamespace("a"), b = try TestNamespace("b")
        defer { a.delete(); b.delete() }
        let old = try Self.model(), new = try Self.model(extra: extra, stray: stray)
        try a.nft(old.nftReplaceText())
        let diff = RulesetDiff(from: old, to: new)
        #expect(!diff.isEmpty)
        try a.nft(diff.nftText())
        try b.nft(new.nftReplaceText())
        let viaDiff = Self.normalized(a.exec(["nft", "list", "table", "inet", "routed"]).out)
        let full = Self.normalized(b.exec(["nft", "list", "table", "inet", "routed"]).out)
        #expect(viaDiff == full)
        #expect(full.count >= 15, "the listing has every set, map and chain")
        // and back again: removing restores the original
        try a.nft(RulesetDiff(from: new, to: old).nftText())
        try b.nft(old.nftReplaceText())
        #expect(Self.normalized(a.exec(["nft", "list", "table", "inet", "routed"]).out)
                == Self.normalized(b.exec(["nft", "list", "table", "inet", "routed"]).out))
    }

    @Test func otherTablesAreNeitherTouchedNorTouchingOurs() throws {
        let ns = try TestNamespace("o")
        defer { ns.delete() }
        let r = try Self.model()
        try ns.nft("table inet firewall {\n chain input {\n type filter hook input priority 0; policy accept;\n counter\n }\n}\n")
        try ns.nft(r.nftReplaceText())
        let ours = Self.normalized(ns.exec(["nft", "list", "table", "inet", "routed"]).out)
        #expect(ns.exec(["nft", "list", "table", "inet", "firewall"]).out.contains("counter"))
        // someone else adds, flushes and deletes their table
        try ns.nft("table ip docker {\n chain forward {\n type filter hook forward priority 0;\n }\n}\nflush table ip docker\ndelete table ip docker\nflush table inet firewall\n")
        try ns.nft(r.nftReplaceText())
        #expect(Self.normalized(ns.exec(["nft", "list", "table", "inet", "routed"]).out) == ours)
        #expect(ns.exec(["nft", "list", "table", "inet", "firewall"]).status == 0)
    }
}

/// What `nft list table inet routed` prints after loading the representative model, kept in
/// `Fixtures/nft/representative.list` (blocks and set elements sorted, counters zeroed: the
/// kernel's hash-set order is seeded per set).
@Suite(.blockingWork, .enabled(if: canUseNamespaces, "needs root, ip and nft: skipped"))
struct NFTListingGoldenTests {
    @Test(arguments: ["representative", "empty"])
    func listingMatchesTheFixture(name: String) throws {
        let ns = try TestNamespace("g")
        defer { ns.delete() }
        let ruleset = name == "empty" ? PolicyCompiler.compile(PolicyBook()) : try NFTKernelTests.model()
        try ns.nft(ruleset.nftReplaceText())
        let listing = NFTKernelTests.normalized(ns.exec(["nft", "list", "table", "inet", "routed"]).out).joined(separator: "\n\n") + "\n"
        let file = GoldenTests.fixtures.appendingPathComponent("\(name).list")
        if ProcessInfo.processInfo.environment["ROUTED_UPDATE_GOLDEN"] == "1" {
            try listing.write(to: file, atomically: true, encoding: .utf8)
        }
        #expect(listing == (try String(contentsOf: file, encoding: .utf8)))
    }
}
