import Testing
import TestScheduling
import Foundation
import Policy

let canRunTraffic = canUseNamespaces && FileManager.default.isExecutableFile(atPath: "/usr/bin/ping")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/nc")

/// How the ruleset reaches the kernel: `nft -f` of the rendered text, or one libnftnl batch
/// (a full load, then one diff batch per change).
enum ProgrammingPath: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case nftText = "nft -f"
    case libnftnl = "libnftnl"
    var testDescription: String { rawValue }

    func prepare(_ lab: TrafficLab) throws {
        if self == .libnftnl { lab.kernel = try KernelTable(namespace: lab.host.name) }
    }
}

/// Real packets through the ruleset, programmed each way, in namespaces this test creates.
@Suite(.blockingWork, .serialized, .enabled(if: canRunTraffic,
    "needs root, ip, nft, ping and nc (apt-get install iputils-ping netcat-openbsd nftables): skipped"))
struct TrafficTests {
    @Test(arguments: ProgrammingPath.allCases)
    func isolationFollowsThePolicies(_ path: ProgrammingPath) throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        try path.prepare(lab)

        // The path works before any ruleset, and with the table loaded and no policy.
        #expect(lab.ping(1, 3) && lab.tcp(1, 3, port: 8080), "baseline: lamp reaches lnmp without a ruleset")
        try lab.program()
        #expect(lab.ping(1, 3) && lab.ping(3, 1) && lab.ping(1, 2), "no policy, default allow")
        #expect(lab.udp(1, 3) && lab.udp(3, 1), "UDP flows with no policy")

        // deny lamp lnmp: both directions, ICMP and TCP; within each network traffic flows.
        try lab.program { try $0.add($0.rule(.deny, from: "lamp", to: "lnmp")) }
        #expect(!lab.ping(1, 3) && !lab.ping(3, 1) && !lab.ping(2, 4), "deny lamp lnmp blocks ICMP both ways")
        #expect(!lab.tcp(1, 3, port: 8080) && !lab.tcp(4, 2, port: 8080), "deny lamp lnmp blocks TCP both ways")
        #expect(!lab.udp(1, 3) && !lab.udp(4, 2), "deny lamp lnmp blocks UDP both ways")
        #expect(lab.udp(1, 2) && lab.udp(4, 3), "UDP within a network flows")
        #expect(lab.ping(1, 2) && lab.ping(3, 4) && lab.tcp(2, 1, port: 8080), "same network always flows")
        #expect(lab.hits(policy: 1) > 0, "the policy's counter counts its drops")
        let hits = Ruleset.policyCounters(fromListing: lab.host.exec(["nft", "list", "table", "inet", "routed"]).out)
        #expect((hits[PolicyID(rawValue: 1)]?.packets ?? 0) > 0, "nft list table inet routed shows the hits")
        if let kernel = lab.kernel {
            let read = try kernel.counters()
            #expect((read[PolicyID(rawValue: 1)]?.packets ?? 0) == hits[PolicyID(rawValue: 1)]?.packets,
                    "the counters read through netlink are the ones nft shows")
        }

        // Port-specific allow under the broad deny.
        try lab.program { try $0.add($0.rule(.allow, from: "lamp", to: "lnmp", proto: "tcp", port: "8080")) }
        #expect(lab.tcp(1, 3, port: 8080) && lab.tcp(3, 1, port: 8080), "allow tcp 8080 under deny (both ways)")
        #expect(!lab.tcp(1, 3, port: 8081) && !lab.ping(1, 3), "everything else stays denied")
        #expect(lab.hits(policy: 2) > 0)

        // --one-way: only lamp → lnmp is blocked; lnmp → lamp flows and its replies come back.
        try lab.program { book in
            for p in book.sortedPolicies { try book.remove(p.id) }
            try book.add(book.rule(.deny, from: "lamp", to: "lnmp", oneWay: true))
        }
        #expect(!lab.ping(1, 3) && !lab.tcp(2, 4, port: 8080), "one-way: lamp → lnmp blocked")
        #expect(lab.ping(3, 1) && lab.tcp(4, 2, port: 8080), "one-way: lnmp → lamp flows (replies via conntrack)")

        // Removing the policy restores traffic.
        try lab.program { book in for p in book.sortedPolicies { try book.remove(p.id) } }
        #expect(lab.ping(1, 3) && lab.ping(3, 1) && lab.tcp(1, 3, port: 8081) && lab.udp(3, 1), "removing the policy restores traffic")

        // Default deny: across networks dropped, within networks fine.
        try lab.program { $0.defaultAction = .deny }
        #expect(!lab.ping(1, 3) && lab.ping(1, 2), "default deny isolates networks")
        try lab.program { $0.defaultAction = .allow }
        #expect(lab.ping(1, 3))
    }

    @Test(arguments: ProgrammingPath.allCases)
    func aSpoofedSourceIsDropped(_ path: ProgrammingPath) throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        try path.prepare(lab)
        try lab.program()
        // w3 counts echo requests that claim to come from w2 (10.66.0.2).
        try lab.workloads[2].nft("table ip spoofseen {\n chain input {\n type filter hook input priority 0;\n ip saddr 10.66.0.2 icmp type echo-request counter\n }\n}\n")
        func seen() -> Int {
            let out = lab.workloads[2].exec(["nft", "list", "table", "ip", "spoofseen"]).out
            return out.firstMatch(of: /counter packets (\d+)/).flatMap { Int($0.1) } ?? -1
        }
        // w1 takes w2's address too and pings w3 from it: the host must drop it at prerouting.
        try lab.workloads[0].must(["ip", "addr", "add", "10.66.0.2/32", "dev", "eth0"])
        _ = lab.ping(1, 3, source: "10.66.0.2")
        #expect(seen() == 0, "the spoofed echo request never reached w3")
        #expect(lab.counter(chain: "prerouting") > 0, "the anti-spoofing rule counted the drop")
        // The real owner of 10.66.0.2 gets through: the check is per interface.
        #expect(lab.ping(2, 3))
        #expect(seen() == 1)
    }

    /// A source with more than `LayoutBuilder.inlineLimit` destination rules keeps the map form
    /// (`ip daddr vmap @dst4-<S>`, a pair chain, a `ports-` map, chains `pN`): real packets are
    /// allowed and dropped by it exactly as by the rule form, and the policies count their hits.
    @Test(arguments: ProgrammingPath.allCases)
    func aSourceWithManyRulesDecidesThroughItsMaps(_ path: ProgrammingPath) throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        try path.prepare(lab)
        // deny lamp lnmp, with four TCP ports allowed: 5 rules per lnmp interval (v4, v6) and
        // lamp's own two blocks make 12 rules, more than 8, so lamp and lnmp use maps.
        try lab.program { b in
            try b.add(b.rule(.deny, from: "lamp", to: "lnmp"))
            for port in ["8080", "9001", "9002", "9003"] { try b.add(b.rule(.allow, from: "lamp", to: "lnmp", proto: "tcp", port: port)) }
        }
        let listing = lab.host.exec(["nft", "list", "table", "inet", "routed"]).out
        let lamp = TableLayout.hex(try lab.book.id(of: NetworkName(rawValue: "lamp")!))
        let lnmp = TableLayout.hex(try lab.book.id(of: NetworkName(rawValue: "lnmp")!))
        #expect(listing.contains("ip daddr vmap @dst4-\(lamp)") && listing.contains("map ports-\(lamp)-\(lnmp) {"), "lamp is in the map form")
        #expect(listing.contains("chain p1 {"), "the maps reach policy 1 through its chain")
        #expect(lab.tcp(1, 3, port: 8080) && lab.tcp(4, 2, port: 8080), "allowed port, both directions")
        #expect(!lab.tcp(1, 3, port: 8081) && !lab.tcp(3, 1, port: 8081), "other ports denied, both directions")
        #expect(!lab.ping(1, 3) && !lab.udp(2, 4), "ICMP and UDP denied")
        #expect(!lab.tcp6(1, 3, port: 8086), "IPv6 through dst6-: denied")
        #expect(lab.ping(1, 2) && lab.tcp(3, 4, port: 8081), "same network flows")
        #expect(lab.hits(policy: 1) > 0 && lab.hits(policy: 2) > 0, "the deny and the allowed port count their hits")
        // Back under the limit (three ports removed): lamp returns to rules, traffic the same.
        try lab.program { b in for id in [3, 4, 5] { try b.remove(PolicyID(rawValue: UInt32(id))) } }
        #expect(!lab.host.exec(["nft", "list", "table", "inet", "routed"]).out.contains("dst4-\(lamp)"), "lamp is in the rule form again")
        #expect(lab.tcp(1, 3, port: 8080) && !lab.tcp(1, 3, port: 8081) && !lab.ping(3, 1) && lab.ping(1, 2))
    }

    /// With nothing to refuse (no policy, default allow) the table has no `ct` expression, so the
    /// kernel tracks no connection of the host namespace (a forwarded packet skips the conntrack
    /// lookup and confirm); the first policy brings `ct state established,related accept` and
    /// tracking back, and removing the last takes them away again.
    @Test(arguments: ProgrammingPath.allCases)
    func connectionsAreTrackedOnlyWhileAPolicyCanRefuse(_ path: ProgrammingPath) throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        try path.prepare(lab)
        /// `sysctl net.netfilter.nf_conntrack_count` of the host namespace (0 while nf_conntrack is not loaded).
        func tracked() -> Int {
            Int(lab.host.exec(["cat", "/proc/sys/net/netfilter/nf_conntrack_count"]).out
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        func tracksConnections() -> Bool { lab.host.exec(["nft", "list", "table", "inet", "routed"]).out.contains("ct state") }

        try lab.program()
        #expect(!tracksConnections(), "no policy, default allow: no ct expression")
        var before = tracked()
        #expect(lab.tcp(1, 3, port: 8080) && lab.tcp(3, 1, port: 8080), "traffic flows")
        #expect(tracked() == before, "and is not tracked (\(before) → \(tracked()) connections)")

        try lab.program { try $0.add($0.rule(.deny, from: "lamp", to: "lnmp")) }
        #expect(tracksConnections(), "a policy: established connections are accepted first")
        before = tracked()
        #expect(lab.tcp(1, 2, port: 8080), "lamp to lamp flows")
        #expect(tracked() > before, "and is tracked (\(before) → \(tracked()) connections)")

        try lab.program { $0.defaultAction = .deny }
        try lab.program { book in for p in book.sortedPolicies { try book.remove(p.id) } }
        #expect(tracksConnections(), "default deny alone can refuse: still tracked")

        try lab.program { $0.defaultAction = .allow }
        #expect(!tracksConnections(), "nothing to refuse again: no ct expression")
        before = tracked()
        #expect(lab.tcp(1, 3, port: 8080) && lab.tcp(1, 2, port: 8080))
        #expect(tracked() <= before, "new connections are not tracked (\(before) → \(tracked())); old entries only time out")
    }

    @Test(arguments: ProgrammingPath.allCases)
    func ipv6IsIsolatedTheSameWay(_ path: ProgrammingPath) throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        try path.prepare(lab)
        try lab.program()
        #expect(lab.ping6(1, 3) && lab.tcp6(1, 3, port: 8086), "IPv6 flows with no policy")
        try lab.program { try $0.add($0.rule(.deny, from: "lamp", to: "lnmp")) }
        #expect(!lab.ping6(1, 3) && !lab.ping6(3, 1), "deny lamp lnmp blocks ICMPv6 both ways")
        #expect(!lab.tcp6(1, 3, port: 8086) && !lab.tcp6(4, 2, port: 8086), "deny lamp lnmp blocks TCP over IPv6 both ways")
        #expect(lab.ping6(1, 2) && lab.tcp6(3, 4, port: 8086), "IPv6 within a network flows")
        try lab.program { try $0.add($0.rule(.allow, from: "lamp", to: "lnmp", proto: "tcp", port: "8086")) }
        #expect(lab.tcp6(1, 3, port: 8086) && lab.tcp6(3, 1, port: 8086) && !lab.ping6(1, 3), "port allow under the deny, over IPv6")
        try lab.program { book in for p in book.sortedPolicies { try book.remove(p.id) } }
        #expect(lab.ping6(3, 1) && lab.tcp6(2, 4, port: 8086), "removing the policies restores IPv6")
    }

    /// While some policy is in force, a connection set up before `deny lamp lnmp` keeps flowing
    /// (conntrack established is accepted first), while new connections between the networks
    /// are refused. With no policy at all nothing is tracked, so the first policy judges the
    /// connection's next packet as a new one: the deny cuts it.
    @Test(arguments: ProgrammingPath.allCases, [true, false])
    func anEstablishedConnectionOutlivesADenyWhileConnectionsAreTracked(_ path: ProgrammingPath, tracked: Bool) throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        try path.prepare(lab)
        try lab.program { b in if tracked { try b.add(b.rule(.deny, from: "lnmp", to: "lamp", proto: "udp", port: "9")) } }
        let flag = "/tmp/routed-test-\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        defer { unlink(flag) }
        // w3 prints what arrives on TCP 9100.
        let receiver = Process(), received = Pipe()
        receiver.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        receiver.arguments = ["ip", "netns", "exec", lab.workloads[2].name, "nc", "-4", "-l", "9100"]
        receiver.standardOutput = received; receiver.standardError = FileHandle.nullDevice; receiver.standardInput = FileHandle.nullDevice
        try receiver.run()
        defer { if receiver.isRunning { kill(receiver.processIdentifier, SIGKILL); receiver.waitUntilExit() } }
        for attempt in 0..<100 {
            if lab.workloads[2].exec(["ss", "-Hltn"], timeout: 5).out.contains(":9100") { break }
            if attempt == 99 { Issue.record("the receiver did not start"); return }
            usleep(100_000)
        }
        // w1 connects and sends a line, waits (bounded, 20 s) for the flag, then sends another.
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sender.arguments = ["ip", "netns", "exec", lab.workloads[0].name, "bash", "-c",
                            "exec 3<>/dev/tcp/\(TrafficLab.addresses[2])/9100; echo before >&3; for i in $(seq 200); do [ -e \(flag) ] && break; sleep 0.1; done; echo after >&3; exec 3>&-"]
        sender.standardOutput = FileHandle.nullDevice; sender.standardError = FileHandle.nullDevice
        try sender.run()
        defer { if sender.isRunning { kill(sender.processIdentifier, SIGKILL); sender.waitUntilExit() } }
        usleep(500_000)
        try lab.program { try $0.add($0.rule(.deny, from: "lamp", to: "lnmp")) }
        #expect(!lab.tcp(1, 3, port: 8080) && !lab.ping(1, 3), "new connections and pings are denied")
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        for _ in 0..<100 where sender.isRunning { usleep(100_000) }
        for _ in 0..<50 where receiver.isRunning { usleep(100_000) }
        if receiver.isRunning { kill(receiver.processIdentifier, SIGKILL); receiver.waitUntilExit() }
        let text = String(decoding: received.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if tracked {
            #expect(text == "before\nafter\n", "the established connection carried both lines, got \(text.debugDescription)")
        } else {
            #expect(text == "before\n", "the untracked connection was judged anew and denied, got \(text.debugDescription)")
        }
    }
}
