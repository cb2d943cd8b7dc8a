import Foundation
import Testing
import TestScheduling
import Netlink
import Policy
import PolicyKernel
import IPAddressing

/// Table `inet routed` programmed through libnftnl (one netlink batch), read back with nft 1.0.6:
/// `nft list ruleset` and `nft list table inet routed` succeed and print exactly what `nft -f`
/// of the text form gives (the rule shape was chosen for that: ARCHITECTURE.md).
@Suite(.blockingWork, .serialized, .enabled(if: canUseNamespaces, "needs root, ip and nft: skipped"))
struct LibnftnlKernelTests {
    static func sample(stray: Bool = false, extraPolicy: Bool = false) throws -> (PolicyBook, Ruleset) {
        var book = try PolicyBook.make(["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 8080-8089 --log", "deny web lamp --proto udp"])
        if extraPolicy { try book.add(book.parse("deny web lnmp --proto tcp --one-way")) }
        var m = Memberships()
        try m.insert(IPPrefix("10.66.0.0/24")!, into: book.nid("lamp"))
        try m.insert(IPPrefix("10.66.1.0/24")!, into: book.nid("lnmp"))
        try m.insert(IPPrefix("fd00:66::/64")!, into: book.nid("web"))
        if stray { try m.insert(IPPrefix("10.66.0.77/32")!, into: book.nid("web")) }
        let eps = [LocalEndpoint(ifname: "hv1", addresses: [IPAddress("10.66.0.1")!, IPAddress("fd00:66::1")!], network: book.nid("lamp"))]
        return (book, PolicyCompiler.compile(book, memberships: m, endpoints: eps))
    }

    /// `nft list table inet routed`, normalized (blocks and elements sorted, counters zeroed).
    static func listing(_ ns: TestNamespace) -> [String] {
        NFTKernelTests.normalized(ns.exec(["nft", "list", "table", "inet", "routed"]).out)
    }

    @Test(arguments: [(false, false), (true, false), (false, true)])
    func nftListsTheTableExactlyAsTheTextFormLoadsIt(stray: Bool, extraPolicy: Bool) throws {
        let viaLib = try TestNamespace("l"), viaText = try TestNamespace("t")
        defer { viaLib.delete(); viaText.delete() }
        let table = try KernelTable(namespace: viaLib.name)
        defer { table.stop() }
        let (_, base) = try Self.sample()
        let (_, r) = try Self.sample(stray: stray, extraPolicy: extraPolicy)
        // Full load of the base, then the diff (the incremental path) when r differs.
        try table.replace(base)
        try table.program(r)
        try viaText.nft(r.nftReplaceText())
        let all = viaLib.exec(["nft", "list", "ruleset"])
        #expect(all.status == 0 && all.err.isEmpty, "nft list ruleset: \(all.err)")
        let ours = viaLib.exec(["nft", "list", "table", "inet", "routed"])
        #expect(ours.status == 0 && ours.err.isEmpty, "nft list table inet routed: \(ours.err)")
        #expect(Self.listing(viaLib) == Self.listing(viaText))
        #expect(Self.listing(viaLib).count > 10)
        #expect(ours.out.contains("ip saddr vmap @src4") && !ours.out.contains("mark"), "no mark is read or written")
    }

    /// The golden listing of `Fixtures/nft`, reached through libnftnl rather than `nft -f`.
    @Test(arguments: ["representative", "empty"])
    func theLibnftnlTableMatchesTheGoldenListing(name: String) throws {
        let ns = try TestNamespace("q")
        defer { ns.delete() }
        let table = try KernelTable(namespace: ns.name)
        defer { table.stop() }
        try table.replace(name == "empty" ? PolicyCompiler.compile(PolicyBook()) : try NFTKernelTests.model())
        let listing = Self.listing(ns).joined(separator: "\n\n") + "\n"
        let golden = try String(contentsOf: GoldenTests.fixtures.appendingPathComponent("\(name).list"), encoding: .utf8)
        #expect(listing == golden)
    }

    @Test func anInvalidBatchAppliesNothingAndNamesTheMessage() throws {
        let ns = try TestNamespace("i")
        defer { ns.delete() }
        let table = try KernelTable(namespace: ns.name)
        defer { table.stop() }
        let (_, r) = try Self.sample()
        try table.replace(r)
        let before = Self.listing(ns)
        // Valid elements first, then a rule jumping to a chain that does not exist.
        var failure: NFTablesError?
        do {
            try table.apply { b in
                try b.addElements(set: "spoof4", RoutedSets.elements(.spoof4("hv9", IPv4Address(0x0A42_0009))))
                try b.addRule(chain: "forward", [.verdict(.jump("nowhere"))], summary: "jump nowhere")
            }
        } catch let e as NFTablesError { failure = e }
        guard case .rejected(let failures)? = failure else { Issue.record("expected a refusal, got \(String(describing: failure))"); return }
        #expect(failures.count == 1)
        #expect(failures.first?.message == "add rule inet routed forward jump nowhere")
        #expect(failures.first?.errno == 2, "ENOENT: no chain nowhere")
        #expect(failure!.description.contains("nothing applied"))
        #expect(Self.listing(ns) == before, "the earlier element of the batch was not applied either")
        // The programmer keeps its state when the kernel refuses: the next diff is still right.
        let (_, r2) = try Self.sample(extraPolicy: true)
        try table.program(r2)
        let fresh = try TestNamespace("j")
        defer { fresh.delete() }
        try fresh.nft(r2.nftReplaceText())
        #expect(Self.listing(ns) == Self.listing(fresh), "the diff after a refusal gives what a full load of the new ruleset gives")
    }

    @Test func anotherTableIsNeverTouched() throws {
        let ns = try TestNamespace("o")
        defer { ns.delete() }
        let table = try KernelTable(namespace: ns.name)
        defer { table.stop() }
        try ns.nft("table ip docker {\n chain forward {\n type filter hook forward priority 10;\n ip daddr 172.17.0.0/16 counter accept\n }\n}\n")
        let docker = ns.exec(["nft", "list", "table", "ip", "docker"]).out
        let (_, r) = try Self.sample()
        try table.replace(r)
        try table.replace(r)   // a restart: our table rebuilt atomically
        #expect(ns.exec(["nft", "list", "table", "ip", "docker"]).out == docker, "the other table is unchanged by our full replace")
        let ours = Self.listing(ns)
        // Someone else adds a table and flushes it: ours stays.
        try ns.nft("table inet firewall {\n chain input {\n type filter hook input priority 0;\n counter\n }\n}\nflush table inet firewall\n")
        #expect(Self.listing(ns) == ours)
        let (_, r2) = try Self.sample(stray: true, extraPolicy: true)
        try table.program(r2)
        #expect(ns.exec(["nft", "list", "table", "ip", "docker"]).out == docker, "the other table is unchanged by our diff")
        #expect(ns.exec(["nft", "list", "table", "inet", "firewall"]).status == 0)
    }
}

