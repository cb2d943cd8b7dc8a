import Testing
import TestScheduling
import Foundation
import Policy
import IPAddressing

/// The scale: 10,000 endpoints in 1,000 networks with 1,000 policies. Prints timings;
/// run with `ROUTED_BENCH=1 swift test --filter BenchmarkTests` (root for the nft part).
@Suite(.blockingWork, .enabled(if: ProcessInfo.processInfo.environment["ROUTED_BENCH"] == "1", "set ROUTED_BENCH=1 to run the benchmark"))
struct BenchmarkTests {
    static func scale(strayOn: Int? = nil, extraPolicy: Bool = false,
                      lab: ((inout PolicyBook, inout Memberships, inout [LocalEndpoint]) throws -> Void)? = nil) throws -> (PolicyBook, Ruleset) {
        var book = PolicyBook()
        for k in 0..<1000 { try book.createNetwork("n\(k)") }
        for i in 0..<1000 {
            let line = switch i % 3 {
            case 0: "deny n\(i) n\((i + 1) % 1000)"
            case 1: "allow n\(i) n\((i + 1) % 1000) --proto tcp"
            default: "allow n\(i) n\((i + 1) % 1000) --proto tcp --port \(1000 + i)"
            }
            try book.add(book.parse(line))
        }
        if extraPolicy { try book.add(book.parse("deny n5 n500 --proto udp --port 53")) }
        var m = Memberships()
        var eps: [LocalEndpoint] = []
        for k in 0..<1000 {
            let id = book.nid("n\(k)"), base = UInt32(0x0A00_0000) + UInt32(k) * 16
            try m.insert(.v4(IPv4Prefix(IPv4Address(base), length: 28)), into: id)
            for j in 1...10 {
                eps.append(LocalEndpoint(ifname: "rdb\(k * 10 + j)", addresses: [.v4(IPv4Address(base + UInt32(j)))], network: id))
            }
        }
        try lab?(&book, &m, &eps)
        if let k = strayOn { try m.insert(.v4(IPv4Prefix(IPv4Address(0x0B00_0001), length: 32)), into: book.nid("n\(k)")) }
        let clock = ContinuousClock()
        var r = Ruleset()
        let t = clock.measure { r = PolicyCompiler.compile(book, memberships: m, endpoints: eps) }
        print("bench: compile 10k endpoints / 1k networks / 1k policies: \(t)")
        return (book, r)
    }

    @Test func programAtScale() throws {
        let clock = ContinuousClock()
        let (_, base) = try Self.scale()
        let (_, stray) = try Self.scale(strayOn: 7)
        let (_, policy) = try Self.scale(extraPolicy: true)
        var d1 = RulesetDiff(), d2 = RulesetDiff()
        print("bench: diff, one membership: \(clock.measure { d1 = RulesetDiff(from: base, to: stray) }) (\(d1.changeCount) changes)")
        print("bench: diff, one policy: \(clock.measure { d2 = RulesetDiff(from: base, to: policy) }) (\(d2.changeCount) changes)")
        #expect(!d1.isEmpty && !d2.isEmpty)
        print("bench: elements \(base.layout.maps.values.reduce(0) { $0 + $1.elements.count }), text \(base.nftText().utf8.count) bytes")
        guard canUseNamespaces else { return }
        let ns = try TestNamespace("z")
        defer { ns.delete() }
        let full = base.nftReplaceText()
        var status: Int32 = 0
        for _ in 0..<3 {
            let t = clock.measure { status = ns.exec(["nft", "-f", "-"], input: full, timeout: 60).status }
            print("bench: nft -f full ruleset: \(t)")
            #expect(status == 0)
        }
        for (name, d) in [("membership", d1), ("policy", d2)] {
            let t = clock.measure { status = ns.exec(["nft", "-f", "-"], input: d.nftText()).status }
            #expect(status == 0)
            print("bench: nft -f one \(name) change: \(t)")
            let back = RulesetDiff(from: name == "membership" ? stray : policy, to: base)
            #expect(ns.exec(["nft", "-f", "-"], input: back.nftText()).status == 0)
        }
        let t = clock.measure { status = ns.exec(["true"]).status }
        print("bench: process start overhead (ip netns exec true): \(t)")
    }

    /// iperf3 between two workloads (lamp w1 → lnmp w3, TCP 5201 allowed by a port policy under
    /// a broad deny), with no ruleset and with the full-scale ruleset loaded through libnftnl,
    /// alternating (so load from other work on the machine hits both alike), median of 5 each.
    @Test(.enabled(if: canRunTraffic && FileManager.default.isExecutableFile(atPath: "/usr/bin/iperf3"), "needs root and iperf3"))
    func throughputWithTheRulesetLoaded() throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        func iperf() -> Double {
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["ip", "netns", "exec", lab.workloads[2].name, "iperf3", "-s", "-1", "-p", "5201"]
            server.standardOutput = FileHandle.nullDevice; server.standardError = FileHandle.nullDevice
            try? server.run()
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) }; server.waitUntilExit() }
            usleep(300_000)
            // 5 s after one omitted second (TCP ramp-up), so one run's noise is smaller than the table's cost.
            let out = lab.workloads[0].exec(["iperf3", "-c", TrafficLab.addresses[2], "-p", "5201", "-t", "5", "-O", "1", "-f", "m"], timeout: 20).out
            // receiver line: "[  5]   0.00-3.00   sec  ...  NNNN Mbits/sec   receiver"
            guard let line = out.split(separator: "\n").last(where: { $0.contains("receiver") }),
                  let m = line.firstMatch(of: /([\d.]+) Mbits\/sec/) else { return 0 }
            return Double(m.1) ?? 0
        }
        let (_, r) = try Self.scale { book, m, eps in
            try book.createNetwork("lamp"); try book.createNetwork("lnmp")
            try book.add(book.parse("deny lamp lnmp"))
            try book.add(book.parse("allow lamp lnmp --proto tcp --port 5201"))
            try m.insert(IPPrefix("10.66.0.0/24")!, into: book.nid("lamp"))
            try m.insert(IPPrefix("10.66.1.0/24")!, into: book.nid("lnmp"))
            for (i, a) in TrafficLab.addresses.enumerated() {
                eps.append(LocalEndpoint(ifname: "hv\(i + 1)", addresses: [IPAddress(a)!], network: book.nid(i < 2 ? "lamp" : "lnmp")))
            }
        }
        let kernel = try KernelTable(namespace: lab.host.name)
        lab.kernel = kernel   // stopped by lab.delete()
        var plain: [Double] = [], filtered: [Double] = []
        let runs = Int(ProcessInfo.processInfo.environment["ROUTED_BENCH_RUNS"] ?? "") ?? 5
        for _ in 0..<runs {
            _ = lab.host.exec(["nft", "delete", "table", "inet", "routed"])
            #expect(lab.host.exec(["nft", "list", "tables"]).out.isEmpty, "no ruleset")
            plain.append(iperf())
            try kernel.replace(r)
            #expect(!lab.ping(1, 3), "the scale ruleset is in force (ICMP denied)")
            filtered.append(iperf())
        }
        let p = plain.sorted()[runs / 2], f = filtered.sorted()[runs / 2]
        // Runs i of both sides ran back to back: their ratio cancels the machine's drift.
        let ratios = zip(filtered, plain).map { $0 / max($1, 1) }.sorted()
        let elements = r.layout.maps.values.reduce(0) { $0 + $1.elements.count }
        print("bench: iperf3 w1 -> w3 (\(runs) alternating runs of 5 s), no ruleset: \(plain.map { Int($0) }) median \(Int(p)) Mbit/s; "
              + "with the scale ruleset (\(elements) elements, through libnftnl): \(filtered.map { Int($0) }) median \(Int(f)) Mbit/s (\(Int(f / max(p, 1) * 100))%); "
              + "median of the per-run ratios \(Int(ratios[runs / 2] * 100))%")
        #expect(p > 0 && f > 0)
    }
}
