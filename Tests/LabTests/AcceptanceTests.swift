import Foundation
import Lab
import Testing
import TestScheduling

#if canImport(Glibc)
import Glibc
#endif

/// Issue 9's end-to-end acceptance, against a lab made by the same library `routed lab up` uses:
/// three hosts on one bridge, a BIRD 2 gateway (AS 65000), an outside client, one `routed start`
/// per host sharing one SQLite file, and workloads a1 (lamp), a2 (lnmp) on h1, b1 (lamp), b2 (lnmp)
/// on h2, c1 (lamp) on h3. Every kernel change happens inside the lab's namespaces (rl-eNNNNN-*),
/// removed by `down` on every exit path.
@Suite("routed lab: end-to-end acceptance", .blockingWork,
       .enabled(if: Lab.unavailableReason() == nil && Shell.which("tcpdump") != nil, "needs root, iproute2, bird2 and tcpdump"), .serialized)
struct AcceptanceTests {
    static var routed: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("routed").path
    }

    static let workloads = "a1:lamp@1,a2:lnmp@1,b1:lamp@2,b2:lnmp@2,c1:lamp@3"

    /// One ping; its TTL when it was answered.
    func ping(_ lab: Lab, from: String, _ to: String) throws -> Int? {
        let r = try lab.execute(from, ["ping", "-c", "1", "-W", "1", to], timeout: .seconds(5))
        guard r.status == 0, let range = r.output.range(of: "ttl=") else { return nil }
        return Int(r.output[range.upperBound...].prefix { $0.isNumber })
    }

    /// Polls (bounded) until `ping` answers (or, with `answered: false`, until it stops answering).
    func eventually(_ lab: Lab, from: String, _ to: String, answered: Bool = true, within: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if try (ping(lab, from: from, to) != nil) == answered { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// `tcpdump -nn -e -c COUNT -i IF FILTER` in `ns` while `traffic` runs: what it printed (it is
    /// stopped with SIGTERM, so it prints its counts, once `seconds` have passed without COUNT packets).
    func capture(_ lab: Lab, in ns: String, interface: String, count: Int, seconds: Int = 5, filter: [String],
                 traffic: () async throws -> Void) async throws -> String {
        let log = lab.topology.directory + "/capture-\(UUID().uuidString).txt"
        let p = try lab.spawnIn(ns, label: "tcpdump", ["tcpdump", "-nn", "-e", "-l", "-c", "\(count)", "-i", interface] + filter, log: log)
        try await Task.sleep(for: .milliseconds(1200))  // tcpdump is listening
        try await traffic()
        let deadline = ContinuousClock.now + .seconds(seconds)
        while Shell.isRunning(pid: p.pid, startTime: p.startTime), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        Shell.stop(pid: p.pid, startTime: p.startTime, grace: .seconds(3))
        return (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    }

    @Test("three hosts, a BIRD gateway and a client: routed, no NAT, no tunnels; isolation; withdrawal; graceful restart; down leaves nothing")
    func acceptance() async throws {
        let name = "e\(getpid() % 100_000)"
        let spec = try LabSpec(name: name, hosts: 3, workloads: try LabSpec.parseWorkloads(Self.workloads, hosts: 3),
                               directory: NSTemporaryDirectory() + "routed-lab-\(name)")
        // 1. Three hosts, gateway, client, five workloads.
        let lab = try Lab.up(spec, routed: Self.routed)
        var downDone = false
        defer { if !downDone { lab.down() } }
        let t = lab.topology
        let ns = Dictionary(uniqueKeysWithValues: t.workloads.map { ($0.name, $0.namespace) })
        let ip = lab.workloadAddresses()
        #expect(ip.keys.sorted() == ["a1", "a2", "b1", "b2", "c1"], "\(ip)")
        let hostOf = Dictionary(uniqueKeysWithValues: t.workloads.map { ($0.name, $0.host) })
        let status = lab.statusText()
        #expect(status.contains("192.0.2.12") && status.contains(ip["b1"] ?? "?") && status.contains("Established"), "\(status)")

        // 2. Every pair pings by container address; TTL 62 across hosts (two routers: both hosts), 63 on one host.
        #expect(try await eventually(lab, from: ns["a1"]!, ip["c1"]!), "\(status)")
        #expect(try await eventually(lab, from: ns["c1"]!, ip["b2"]!))
        for from in ip.keys.sorted() {
            for to in ip.keys.sorted() where to != from {
                let ttl = try ping(lab, from: ns[from]!, ip[to]!)
                #expect(ttl == (hostOf[from] == hostOf[to] ? 63 : 62), "\(from) → \(to): ttl \(ttl.map(String.init) ?? "none")")
            }
        }
        // On h2's uplink: a1's and b1's own addresses, ethertype IPv4, ICMP; nothing encapsulated.
        let plain = try await capture(lab, in: t.host(2).namespace, interface: LabTopology.uplink, count: 2,
                                      filter: ["icmp", "and", "host", ip["a1"]!]) {
            _ = try ping(lab, from: ns["a1"]!, ip["b1"]!)
        }
        #expect(plain.contains("ethertype IPv4") && plain.contains("\(ip["a1"]!) > \(ip["b1"]!): ICMP echo request")
                && plain.contains("\(ip["b1"]!) > \(ip["a1"]!): ICMP echo reply"), "\(plain)")
        let tunnels = try await capture(lab, in: t.host(2).namespace, interface: LabTopology.uplink, count: 1, seconds: 1,
                                        filter: ["ip proto 4 or ip proto 47 or ip proto 41 or udp port 4789 or udp port 6081"]) {
            for (from, to) in [("a1", "b1"), ("b2", "a2"), ("c1", "b1")] { _ = try ping(lab, from: ns[from]!, ip[to]!) }
        }
        #expect(tunnels.contains("0 packets captured"), "\(tunnels)")
        for h in t.hosts {
            let ruleset = try lab.exec(h.namespace, ["nft", "list", "ruleset"])
            #expect(!ruleset.contains("type nat") && !ruleset.contains("masquerade") && !ruleset.contains("snat")
                    && !ruleset.contains("dnat"), "\(h.name): \(ruleset)")
            let links = try lab.exec(h.namespace, ["ip", "-d", "link", "show"])
            for kind in [" vxlan ", " gre ", " gretap ", " ipip ", " sit ", " geneve ", " ip6tnl ", " wireguard "] {
                #expect(!links.contains(kind), "\(h.name) has a\(kind)link: \(links)")
            }
        }

        // 3. The client reaches b1 through the gateway; BIRD holds each host's block via that host; b1 sees the client's address.
        #expect(try await eventually(lab, from: t.clientNamespace, ip["b1"]!), "\(lab.statusText())")
        for w in ["a1", "b1", "c1"] {
            let rib = try lab.exec(t.gatewayNamespace, ["birdc", "-s", t.birdSocket, "show", "route", LabTopology.block(of: ip[w]!)])
            #expect(rib.contains(LabTopology.block(of: ip[w]!)) && rib.contains("via \(t.host(hostOf[w]!).address)"), "\(rib)")
        }
        let seen = try await capture(lab, in: ns["b1"]!, interface: "eth0", count: 1,
                                     filter: ["icmp", "and", "src", LabTopology.clientAddress]) {
            _ = try ping(lab, from: t.clientNamespace, ip["b1"]!)
        }
        #expect(seen.contains("\(LabTopology.clientAddress) > \(ip["b1"]!): ICMP echo request"), "\(seen)")

        // 4. deny lamp lnmp on h1 isolates lamp from lnmp on every host, both ways; the rest flows; del restores.
        try lab.routedCommand(["policy", "deny", "lamp", "lnmp"], host: 1)
        #expect(try await eventually(lab, from: ns["b1"]!, ip["b2"]!, answered: false, within: .seconds(10)))
        for (x, y) in [("a1", "b2"), ("a2", "b1"), ("a1", "a2")] {
            #expect(try ping(lab, from: ns[x]!, ip[y]!) == nil, "\(x) → \(y) passes a deny")
            #expect(try ping(lab, from: ns[y]!, ip[x]!) == nil, "\(y) → \(x) passes a deny")
        }
        for (x, y) in [("a1", "b1"), ("b1", "c1"), ("a1", "c1"), ("a2", "b2")] {
            #expect(try ping(lab, from: ns[x]!, ip[y]!) != nil, "\(x) → \(y) is blocked")
            #expect(try ping(lab, from: ns[y]!, ip[x]!) != nil, "\(y) → \(x) is blocked")
        }
        let policies = try lab.routedCommand(["policy", "list", "-o", "json"], host: 2)
        let body = try JSONSerialization.jsonObject(with: Data(policies.utf8)) as? [String: Any]
        let id = try #require((body?["policies"] as? [[String: Any]])?.first?["id"] as? String, "\(policies)")
        try lab.routedCommand(["policy", "del", id], host: 2)
        #expect(try await eventually(lab, from: ns["a1"]!, ip["b2"]!, within: .seconds(10)))
        #expect(try await eventually(lab, from: ns["a2"]!, ip["a1"]!, within: .seconds(10)))

        // 5a. An endpoint's removal takes its /32 out of its host's kernel and touches nothing elsewhere.
        let a3ns = t.prefix + "w-a3"
        try lab.addNamespace(a3ns)
        try lab.routedCommand(["endpoint", "add", "a3", "--netns", "/run/netns/" + a3ns, "--network", "lamp"], host: 1)
        let a3 = try #require(lab.workloadAddresses()["a3"])
        #expect(try lab.exec(t.host(1).namespace, ["ip", "route", "show", "proto", "201"]).contains("\(a3) dev"))
        #expect(try await eventually(lab, from: ns["c1"]!, a3))
        let elsewhere = try lab.exec(t.host(3).namespace, ["ip", "route", "show", "proto", "201"])
        try lab.routedCommand(["endpoint", "del", "a3"], host: 1)
        #expect(try !lab.exec(t.host(1).namespace, ["ip", "route", "show", "proto", "201"]).contains("\(a3) dev"))
        #expect(try lab.exec(t.host(3).namespace, ["ip", "route", "show", "proto", "201"]) == elsewhere)
        #expect(try ping(lab, from: ns["c1"]!, a3) == nil)

        // 5b. kill -9 of h1's agent: forwarding continues (graceful restart), the restarted agent reconciles; no ping lost.
        let pingLog = t.directory + "/gr-ping.log"
        let pinger = try lab.spawnIn(ns["b1"]!, label: "gr-ping", ["ping", "-i", "0.01", "-c", "800", "-W", "1", ip["a1"]!], log: pingLog)
        try await Task.sleep(for: .seconds(1))
        #expect(lab.crashAgent(1))
        try lab.startAgent(1)
        let deadline = ContinuousClock.now + .seconds(30)
        while Shell.isRunning(pid: pinger.pid, startTime: pinger.startTime), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let summary = (try? String(contentsOfFile: pingLog, encoding: .utf8)) ?? ""
        #expect(summary.contains("800 packets transmitted, 800 received"), "\(summary)")
        #expect(try await eventually(lab, from: ns["a1"]!, ip["c1"]!))
        #expect(try lab.exec(t.host(1).namespace, ["ip", "route", "show", "proto", "201"]).contains(LabTopology.block(of: ip["b1"]!) + " via 192.0.2.12"))

        // 5c. A clean stop of h2's agent withdraws its blocks: from the gateway's RIB and from h1 and h3.
        #expect(lab.stopAgent(2))
        var gone = false
        let stopDeadline = ContinuousClock.now + .seconds(10)
        while !gone, ContinuousClock.now < stopDeadline {
            let h1 = try lab.exec(t.host(1).namespace, ["ip", "route", "show", "proto", "201"])
            let h3 = try lab.exec(t.host(3).namespace, ["ip", "route", "show", "proto", "201"])
            let rib = try lab.exec(t.gatewayNamespace, ["birdc", "-s", t.birdSocket, "show", "route"])
            gone = !h1.contains("via 192.0.2.12") && !h3.contains("via 192.0.2.12") && !rib.contains("via 192.0.2.12")
            if !gone { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(gone, "h2's blocks are still routed somewhere after a clean stop")

        // 5d. A block with no endpoints left stays announced for the lab's grace period, then is
        // released and withdrawn everywhere: from the other hosts' kernels and the gateway's RIB.
        let c1Block = LabTopology.block(of: ip["c1"]!)
        // Timed from before the command: the agent starts the grace when it deletes the endpoint,
        // which can be well before the CLI process returns on a busy machine.
        let deleted = ContinuousClock.now
        try lab.routedCommand(["endpoint", "del", "c1"], host: 3)
        var rib = try lab.exec(t.gatewayNamespace, ["birdc", "-s", t.birdSocket, "show", "route", c1Block])
        #expect(rib.contains("via 192.0.2.13"), "withdrawn before its grace period: \(rib)")
        var withdrawn = false
        while !withdrawn, ContinuousClock.now - deleted < .seconds(LabTopology.blockReleaseGrace + 20) {
            try await Task.sleep(for: .milliseconds(250))
            // birdc exits 1 with "Network not found" once the block is gone.
            rib = (try? lab.exec(t.gatewayNamespace, ["birdc", "-s", t.birdSocket, "show", "route", c1Block])) ?? "Network not found"
            let h1 = try lab.exec(t.host(1).namespace, ["ip", "route", "show", c1Block])
            withdrawn = !rib.contains("via 192.0.2.13") && !h1.contains("via 192.0.2.13")
        }
        #expect(withdrawn, "the empty block \(c1Block) is still routed: \(rib)")
        #expect(ContinuousClock.now - deleted >= .seconds(LabTopology.blockReleaseGrace), "withdrawn before the grace period")

        // Down leaves nothing: no namespace with the lab's prefix, no directory, no process.
        let agentPids = (1...3).compactMap { lab.agentProcess($0) }
        downDone = true
        #expect(lab.down().isEmpty)
        let left = try Shell.run(["ip", "netns", "list"]).split(separator: "\n").filter { $0.hasPrefix(t.prefix) }
        #expect(left.isEmpty, "\(left)")
        #expect(!FileManager.default.fileExists(atPath: t.directory))
        #expect(agentPids.allSatisfy { !Shell.isRunning(pid: $0.pid, startTime: $0.startTime) })
    }
}

/// `routed lab down` after `routed lab up` was killed half-way (SIGKILL, mid-build): the state
/// file, written before each step, is enough to remove everything.
@Suite("routed lab: down after a crash", .blockingWork, .enabled(if: Lab.unavailableReason() == nil, "needs root, iproute2 and bird2"), .serialized)
struct CrashCleanupTests {
    @Test("kill -9 of `routed lab up` at several points, then `routed lab down`: no namespace, process or file is left", arguments: [0.2, 0.6, 1.0])
    func downAfterCrash(after seconds: Double) async throws {
        let name = "k\(getpid() % 10_000)\(Int(seconds * 10))"
        let dir = NSTemporaryDirectory() + "routed-lab-\(name)"
        let log = NSTemporaryDirectory() + "routed-lab-\(name).out"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let pid = try Shell.spawnDetached([AcceptanceTests.routed, "lab", "up", "--name", name, "--dir", dir,
                                           "--workloads", "a1:lamp@1,b1:lamp@2"], logFile: log)
        let start = try #require(Shell.startTime(of: pid))
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        #expect(Shell.crash(pid: pid, startTime: start))
        let made = try Shell.run(["ip", "netns", "list"]).split(separator: "\n").filter { $0.hasPrefix("rl-\(name)-") }
        if FileManager.default.fileExists(atPath: dir + "/lab.state") {
            let down = try Shell.execute([AcceptanceTests.routed, "lab", "down", "--name", name, "--dir", dir], timeout: .seconds(60))
            #expect(down.status == 0, "\(down.output)")
        } else {
            #expect(made.isEmpty, "namespaces \(made) made before the state file")
        }
        let left = try Shell.run(["ip", "netns", "list"]).split(separator: "\n").filter { $0.hasPrefix("rl-\(name)-") }
        #expect(left.isEmpty, "made \(made), left \(left)")
        #expect(!FileManager.default.fileExists(atPath: dir))
        let strays = try Shell.run(["ps", "-eo", "pid,args"]).split(separator: "\n").filter { $0.contains(dir) && !$0.contains(" ps ") }
        #expect(strays.isEmpty, "\(strays)")
    }
}
