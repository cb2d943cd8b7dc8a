import Testing
import Netlink
import Policy
import PolicyKernel
import IPAddressing

/// Table `inet routed` programmed through libnftnl (one netlink batch), read back with `nft`.
///
/// nft 1.0.6 cannot print a rule whose concatenated key comes from two map lookups (its
/// `netlink_parse_concat_expr` asserts), so `nft list table inet routed` aborts on the hook
/// chains; every set, map and chain declaration and every policy chain is compared one by one
/// with what `nft -f` of the text form gives in a second namespace.
@Suite(.serialized, .enabled(if: canUseNamespaces, "needs root, ip and nft: skipped"))
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

    static let sets = ["addr4", "addr6", "vports", "vproto", "vany", "workloads", "spoof4", "spoof6"]

    /// What `nft` shows of our table, object by object (the parts nft 1.0.6 can print).
    static func listing(_ ns: TestNamespace, chains: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for s in sets {
            let kind = ["workloads", "spoof4", "spoof6"].contains(s) ? "set" : "map"
            out[s] = ns.exec(["nft", "list", kind, "inet", "routed", s]).out
        }
        for c in chains { out[c] = ns.exec(["nft", "list", "chain", "inet", "routed", c]).out }
        return out
    }

    @Test(arguments: [(false, false), (true, false), (false, true)])
    func setsMapsAndPolicyChainsMatchTheTextForm(stray: Bool, extraPolicy: Bool) throws {
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
        let chains = r.policyChains.keys.sorted().map(\.chainName)
        let lib = Self.listing(viaLib, chains: chains), text = Self.listing(viaText, chains: chains)
        for name in Self.sets + chains {
            #expect(lib[name] == text[name], "\(name) differs:\nlibnftnl:\n\(lib[name] ?? "")\nnft -f:\n\(text[name] ?? "")")
            #expect(lib[name]?.contains("table inet routed") == true, "\(name) is listed")
        }
        // Chain pass just accepts: no mark to clear.
        #expect(viaLib.exec(["nft", "list", "chain", "inet", "routed", "pass"]).out.contains("chain pass {\n\t\taccept\n\t}"))
        let declared = viaLib.exec(["nft", "list", "chains", "inet"]).out
        for hook in ["prerouting", "forward", "input", "output"] {
            #expect(declared.contains("chain \(hook) {\n\t\ttype filter hook \(hook) priority filter; policy accept;"))
        }
        #expect(viaLib.exec(["nft", "list", "chain", "inet", "routed", "prerouting"]).out
            .contains("iifname @workloads iifname . ip saddr != @spoof4 counter packets 0 bytes 0 drop"))
    }

    @Test func anInvalidBatchAppliesNothingAndNamesTheMessage() throws {
        let ns = try TestNamespace("i")
        defer { ns.delete() }
        let table = try KernelTable(namespace: ns.name)
        defer { table.stop() }
        let (book, r) = try Self.sample()
        try table.replace(r)
        let before = Self.listing(ns, chains: ["p1", "p2", "p3"])
        // Valid elements first, then a rule jumping to a chain that does not exist.
        var failure: NFTablesError?
        do {
            try table.apply { b in
                try b.addElements(set: "vany", [NFTElement(key: RoutedSetsBytes.pair(book.nid("web"), book.nid("lnmp")), value: .verdict(.goto("p1")))])
                try b.addRule(chain: "forward", [.verdict(.jump("nowhere"))], summary: "jump nowhere")
            }
        } catch let e as NFTablesError { failure = e }
        guard case .rejected(let failures)? = failure else { Issue.record("expected a refusal, got \(String(describing: failure))"); return }
        #expect(failures.count == 1)
        #expect(failures.first?.message == "add rule inet routed forward jump nowhere")
        #expect(failures.first?.errno == 2, "ENOENT: no chain nowhere")
        #expect(failure!.description.contains("nothing applied"))
        #expect(Self.listing(ns, chains: ["p1", "p2", "p3"]) == before, "the earlier element of the batch was not applied either")
        // The programmer keeps its state when the kernel refuses: the next diff is still right.
        let (_, r2) = try Self.sample(extraPolicy: true)
        try table.program(r2)
        #expect(ns.exec(["nft", "list", "chain", "inet", "routed", "p4"]).status == 0)
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
        let ours = Self.listing(ns, chains: ["p1", "p2", "p3"])
        // Someone else adds a table and flushes it: ours stays.
        try ns.nft("table inet firewall {\n chain input {\n type filter hook input priority 0;\n counter\n }\n}\nflush table inet firewall\n")
        #expect(Self.listing(ns, chains: ["p1", "p2", "p3"]) == ours)
        let (_, r2) = try Self.sample(stray: true, extraPolicy: true)
        try table.program(r2)
        #expect(ns.exec(["nft", "list", "table", "ip", "docker"]).out == docker, "the other table is unchanged by our diff")
        #expect(ns.exec(["nft", "list", "table", "inet", "firewall"]).status == 0)
    }
}

/// Key bytes of map `vany` as the kernel holds them (for hand-built batches).
enum RoutedSetsBytes {
    static func pair(_ a: NetworkID, _ b: NetworkID) -> [UInt8] {
        RoutedSets.elements(.pair(PairKey(a, b), .accept))[0].key
    }
}
