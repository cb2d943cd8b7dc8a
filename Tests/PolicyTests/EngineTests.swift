import Testing
import TestScheduling
import Foundation
import Netlink
import Policy
import PolicyKernel
import IPAddressing

/// The agent's entry point: after every incremental change the engine's table is exactly what a
/// full compile of its inputs gives — in memory and in the kernel — and a refused change
/// changes nothing.
@Suite(.blockingWork, .serialized, .enabled(if: canUseNamespaces, "needs root, ip and nft: skipped"))
struct EngineTests {
    static func start() throws -> (PolicyBook, Memberships, [LocalEndpoint]) {
        let book = try PolicyBook.make(["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 8080-8089 --log", "deny web lamp --proto udp"])
        var m = Memberships()
        try m.insert(IPPrefix("10.66.0.0/24")!, into: book.nid("lamp"))
        try m.insert(IPPrefix("10.66.1.0/24")!, into: book.nid("lnmp"))
        try m.insert(IPPrefix("fd00:66::/64")!, into: book.nid("web"))
        let eps = [LocalEndpoint(ifname: "hv1", addresses: [IPAddress("10.66.0.1")!, IPAddress("fd00:66::1")!], network: book.nid("lamp"))]
        return (book, m, eps)
    }

    /// One step of the agent's life, and a description for the failure message.
    typealias Step = (String, @Sendable (PolicyEngine) throws -> Void)

    static let steps: [Step] = [
        ("policy added", { e in try e.addPolicy(e.book.parse("allow web lnmp --proto tcp --port 443")) }),
        ("default deny", { e in try e.setDefault(.deny) }),
        ("stray /32 of web inside lamp's block", { e in try e.addMembership(IPPrefix("10.66.0.77/32")!, network: e.book.nid("web")) }),
        ("endpoint added inside its block", { e in try e.addEndpoint(LocalEndpoint(ifname: "hv2", addresses: [IPAddress("10.66.1.5")!], network: e.book.nid("lnmp"))) }),
        ("endpoint added outside every block", { e in try e.addEndpoint(LocalEndpoint(ifname: "hv3", addresses: [IPAddress("192.0.2.9")!], network: e.book.nid("web"))) }),
        // Eight more /32s of lnmp make lamp's rules towards it more than `inlineLimit`: lamp
        // switches to maps, whose elements `goto p1`/`goto p2`, so those chains appear; and back.
        ("lnmp grows: lamp switches to maps, policy chains appear", { e in
            for i in 0..<8 { try e.addMembership(IPPrefix("10.66.5.\(i * 2 + 1)/32")!, network: e.book.nid("lnmp")) }
        }),
        ("lnmp shrinks: lamp's rules again, policy chains gone", { e in
            for i in 0..<8 { try e.removeMembership(IPPrefix("10.66.5.\(i * 2 + 1)/32")!, network: e.book.nid("lnmp")) }
        }),
        ("network created with a block and a policy", { e in
            try e.edit { (b: inout PolicyBook) throws(PolicyError) in _ = try b.createNetwork("db") }
            try e.addMembership(IPPrefix("10.66.2.0/24")!, network: e.book.nid("db"))
            try e.addPolicy(e.book.parse("deny db host --proto tcp --port 22"))
        }),
        ("a network's only block removed", { e in try e.removeMembership(IPPrefix("10.66.2.0/24")!, network: e.book.nid("db")) }),
        ("policy removed", { e in try e.removePolicy(PolicyID(rawValue: 1)) }),
        ("stray removed", { e in try e.removeMembership(IPPrefix("10.66.0.77/32")!, network: e.book.nid("web")) }),
        ("endpoints removed", { e in try e.removeEndpoint(ifname: "hv3"); try e.removeEndpoint(ifname: "hv2") }),
        ("default allow", { e in try e.setDefault(.allow) }),
        ("the last policies removed: nothing to refuse, no ct expression", { e in
            for p in e.book.sortedPolicies { try e.removePolicy(p.id) }
        }),
        ("a policy again: established connections accepted first", { e in try e.addPolicy(e.book.parse("deny lamp lnmp")) }),
    ]

    @Test func everyIncrementalChangeGivesWhatAFullLoadGives() throws {
        let ns = try TestNamespace("e"), full = try TestNamespace("f")
        defer { ns.delete(); full.delete() }
        let host = try EngineHost(namespace: ns.name)
        defer { host.stop() }
        let (book, m, eps) = try Self.start()
        try host.run { try $0.start(book: book, memberships: m, endpoints: eps) }
        for (what, step) in Self.steps {
            let (layout, compiled, sent) = try host.run { e in
                try step(e)
                return (e.layout, PolicyCompiler.compile(e.book, memberships: e.memberships, endpoints: Array(e.endpoints.values)), e.lastDiff)
            }
            #expect(layout == compiled.layout, "\(what): the engine's layout is a full compile's")
            try full.nft(compiled.nftReplaceText())
            let listed = ns.exec(["nft", "list", "table", "inet", "routed"])
            #expect(listed.status == 0 && listed.err.isEmpty, "\(what): nft lists the table")
            #expect(NFTKernelTests.normalized(listed.out) == NFTKernelTests.normalized(full.exec(["nft", "list", "table", "inet", "routed"]).out),
                    "\(what): the kernel holds what a full load gives")
            #expect(!sent.isEmpty, "\(what): one batch with \(sent.changeCount) changes")
        }
    }

    @Test func badInputChangesNothing() throws {
        let ns = try TestNamespace("b")
        defer { ns.delete() }
        let host = try EngineHost(namespace: ns.name)
        defer { host.stop() }
        let (book, m, eps) = try Self.start()
        try host.run { try $0.start(book: book, memberships: m, endpoints: eps) }
        let before = ns.exec(["nft", "list", "table", "inet", "routed"]).out
        let errors: [PolicyEngineError?] = try host.run { e in
            func fails(_ body: () throws(PolicyEngineError) -> Void) -> PolicyEngineError? {
                do { try body(); return nil } catch { return error }
            }
            return [
                fails { () throws(PolicyEngineError) in try e.edit { (b: inout PolicyBook) throws(PolicyError) in _ = try b.add(b.rule(.deny, from: "lamp", to: "nosuch")) } },
                fails { () throws(PolicyEngineError) in try e.edit { (b: inout PolicyBook) throws(PolicyError) in _ = try b.add(b.rule(.deny, from: "lamp", to: "web", proto: "tcp", port: "90-80")) } },
                fails { () throws(PolicyEngineError) in try e.addPolicy(PolicyRule(.deny, from: NetworkName(rawValue: "lnmp")!, to: NetworkName(rawValue: "lamp")!)) },
                fails { () throws(PolicyEngineError) in try e.removeEndpoint(ifname: "nosuch") },
                fails { () throws(PolicyEngineError) in try e.addMembership(IPPrefix("10.9.0.0/16")!, network: .world) },
            ]
        }
        #expect(errors[0] == .policy(.unknownNetwork(NetworkName(rawValue: "nosuch")!)))
        #expect(errors[1].map { "\($0)" }?.contains("malformed port range '90-80'") == true)
        #expect(errors[2] == .policy(.duplicatePolicy(existing: PolicyID(rawValue: 1), PolicyRule(.deny, from: NetworkName(rawValue: "lnmp")!, to: NetworkName(rawValue: "lamp")!))))
        #expect(errors[3] == .unknownEndpoint(ifname: "nosuch"))
        #expect(errors[4] == .policy(.memberOfPseudoNetwork(.world)))
        #expect(ns.exec(["nft", "list", "table", "inet", "routed"]).out == before, "the kernel is unchanged")
        #expect(try host.run { $0.book } == book, "the engine is unchanged")
    }

    /// More local workloads than the anti-spoofing sets hold (`LayoutMapKind.workloadLimit`,
    /// their `size`) is refused with an error naming the limit, before anything is sent: at
    /// start and one endpoint at a time. The kernel itself would only say ENFILE.
    @Test func theWorkloadLimitIsATypedErrorNamingIt() throws {
        let ns = try TestNamespace("w")
        defer { ns.delete() }
        let host = try EngineHost(namespace: ns.name)
        defer { host.stop() }
        let (book, m, _) = try Self.start()
        let limit = LayoutMapKind.workloadLimit
        let eps = (0...Int(limit)).map { i in
            LocalEndpoint(ifname: "w\(i)", addresses: [.v4(IPv4Address(0x0B00_0000 + UInt32(i)))], network: book.nid("lamp"))
        }
        let atStart = try host.run { (e: PolicyEngine) -> PolicyEngineError? in
            do { try e.start(book: book, memberships: m, endpoints: eps); return nil } catch let x as PolicyEngineError { return x }
        }
        #expect(atStart == .policy(.tooManyWorkloads(set: "workloads", count: Int(limit) + 1, limit: limit)))
        #expect(atStart.map { "\($0)" }?.contains("holds at most \(limit)") == true)
        #expect(ns.exec(["nft", "list", "table", "inet", "routed"]).status != 0, "nothing was loaded")

        try host.run { try $0.start(book: book, memberships: m, endpoints: Array(eps.dropLast())) }
        let more = try host.run { (e: PolicyEngine) -> PolicyEngineError? in
            do { try e.addEndpoint(eps.last!); return nil } catch let x as PolicyEngineError { return x }
        }
        #expect(more == .policy(.tooManyWorkloads(set: "workloads", count: Int(limit) + 1, limit: limit)))
        #expect(try host.run { $0.endpoints.count } == Int(limit), "the engine is unchanged")
        // What the kernel says to one element more than the set's size: ENFILE, no reason.
        let kernel = try host.run { (e: PolicyEngine) throws -> NFTablesError? in
            let b = NFTBatch(family: .inet, table: TableLayout.table)
            try b.addElements(set: "workloads", RoutedSets.elements(.workload("w\(limit)")))
            do { try e.programmer.socket.apply(b); return nil } catch let x as NFTablesError { return x }
        }
        guard case .rejected(let failures)? = kernel else { Issue.record("expected ENFILE, got \(String(describing: kernel))"); return }
        #expect(failures.first?.errno == ENFILE)
    }

    /// A restart: a new engine (new socket, same kernel) adopts the table the previous run left,
    /// in one batch that deletes and rebuilds it — the old table filters until the commit.
    @Test func aRestartReplacesTheTableInOneBatch() throws {
        let ns = try TestNamespace("r")
        defer { ns.delete() }
        let (book, m, eps) = try Self.start()
        let first = try EngineHost(namespace: ns.name)
        try first.run { try $0.start(book: book, memberships: m, endpoints: eps) }
        first.stop()
        // What the restart sends: one transaction, the table's deletion and rebuild inside it.
        let batch = NFTBatch(family: .inet, table: "routed", firstSequence: 1)
        try RulesetProgram.replace(with: PolicyCompiler.compile(book, memberships: m, endpoints: eps).layout, into: batch)
        let words = batch.messageDescriptions
        #expect(words.first == "batch begin")
        #expect(Array(words.dropFirst().prefix(3)) == ["add table inet routed", "delete table inet routed", "add table inet routed"])
        #expect(words.filter { $0.hasPrefix("delete") }.count == 1, "nothing else is deleted")
        let second = try EngineHost(namespace: ns.name)
        defer { second.stop() }
        var changed = book
        let added = try changed.add(changed.parse("allow web lamp --proto tcp --port 22"))
        try second.run { try $0.start(book: changed, memberships: m, endpoints: eps) }
        let listing = ns.exec(["nft", "list", "table", "inet", "routed"]).out
        #expect(listing.contains("ip6 daddr fd00:66::1 tcp dport 22 counter packets 0 bytes 0 accept comment \"\(added.chainName)\""),
                "the new policy, folded into web's rule towards lamp's endpoint")
        #expect(ns.exec(["nft", "list", "tables"]).out.split(separator: "\n").filter { $0.contains("routed") }.count == 1)
    }

    /// `routed policy list` hits: the engine reads each policy's counter back from the kernel
    /// (a GETRULE dump), and it moves when the policy's traffic flows. Traffic from the host
    /// itself (output hook) to a lamp address behind a veth of this namespace.
    @Test func countersAreReadBackAndMoveWithTraffic() throws {
        let ns = try TestNamespace("c")
        defer { ns.delete() }
        try ns.must(["ip", "link", "add", "rdca", "type", "veth", "peer", "name", "rdcb"])
        try ns.must(["ip", "link", "set", "rdca", "up"])
        try ns.must(["ip", "link", "set", "rdcb", "up"])
        try ns.must(["ip", "route", "add", "10.66.0.0/24", "dev", "rdca"])
        let host = try EngineHost(namespace: ns.name)
        defer { host.stop() }
        let (book, m, eps) = try Self.start()
        let id = try host.run { e in
            try e.start(book: book, memberships: m, endpoints: eps)
            return try e.addPolicy(e.book.parse("deny host lamp --proto icmp"))
        }
        let before = try host.run { try $0.counters() }
        #expect(before[id] == PolicyCounter(packets: 0, bytes: 0), "a new policy counts nothing")
        #expect(Set(before.keys) == Set(try host.run { $0.book.policies.keys }), "one counter per policy")
        _ = ns.exec(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1", "10.66.0.9"], timeout: 10)
        let after = try host.run { try $0.counters() }
        #expect(after[id]?.packets == 3, "three echo requests dropped by the policy, got \(String(describing: after[id]))")
        #expect((after[id]?.bytes ?? 0) >= 3 * 84)
        #expect(after[PolicyID(rawValue: 1)] == before[PolicyID(rawValue: 1)], "other policies did not count")
        let listed = Ruleset.policyCounters(fromListing: ns.exec(["nft", "list", "table", "inet", "routed"]).out)
        #expect(listed[id] == after[id], "nft shows the same counter")
    }
}
