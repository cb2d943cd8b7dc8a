import AgentAPI
import Foundation
import InteropLab
import RoutedTestKit
import Testing
import TestScheduling

/// Two agents (`routed start`, the real binary) in two host namespaces joined by a veth link,
/// sharing one SQLite file and peering over iBGP; workloads in namespaces of their own. Every
/// kernel change happens inside namespaces this test creates; the lab removes them (and stops the
/// agents by pid) on every exit path.
@Suite("Two agents", .blockingWork, .enabled(if: isRoot && NamespaceLab.isAvailable, "\(needsRoot)"), .serialized)
final class TwoHostTests {
    let lab: NamespaceLab
    let hostA: String, hostB: String
    var agents: [String: ChildProcess] = [:]
    static var routed: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("routed").path
    }

    init() throws {
        lab = try NamespaceLab(name: "agent")
        hostA = try lab.addNamespace("ha")
        hostB = try lab.addNamespace("hb")
        try lab.link(hostA, "uplink", hostB, "uplink", addresses: (["10.99.0.1/24"], ["10.99.0.2/24"]))
    }

    deinit { lab.cleanup() }

    func socket(_ host: String) -> String { lab.path("\(host == hostA ? "a" : "b").sock") }
    func client(_ host: String) -> ControlClient { ControlClient(socket: socket(host)) }

    /// `ip netns exec HOST routed start ...`, then wait (bounded) for `/healthz` on its socket.
    func startAgent(_ host: String, _ extra: [String] = []) async throws {
        let me = host == hostA ? "10.99.0.1" : "10.99.0.2", peer = host == hostA ? "10.99.0.2" : "10.99.0.1"
        let args = [Self.routed, "start", "--as", "64512", "--router-id", me, "--listen", me,
                    "--peer", "\(peer),hold=9,connect-retry=1", "--datastore", "sqlite:" + lab.path("routed.sqlite"),
                    "--state-dir", lab.path("state-\(me)"), "--socket", socket(host), "--hostname", "host-\(me)",
                    "--uplink", "uplink", "--graceful-restart-time", "60", "--log-level", "info"]
            + (host == hostB ? ["--metrics", "127.0.0.1:9179"] : []) + extra
        let child = try lab.spawn(host, args, logFile: lab.path("agent-\(me).log"))
        agents[host] = child
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if !child.isRunning { Issue.record("agent in \(host) exited: \(child.logTail())"); throw CancellationError() }
            if let (status, _) = try? await client(host).raw(.GET, ControlAPI.Path.health), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("agent in \(host) did not answer: \(child.logTail())")
        throw CancellationError()
    }

    /// The exit status once Foundation has reaped the process (bounded: 5 s).
    func exitStatus(_ child: ChildProcess) async -> Int32? {
        let deadline = ContinuousClock.now + .seconds(5)
        while child.exitStatus == nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return child.exitStatus
    }

    /// The `routed` CLI against an agent's socket, as a user runs it: (exit status, output).
    func cli(_ args: [String], socket: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-s", "KILL", "30", Self.routed] + args + ["--socket", socket]
        let out = lab.path("cli.out")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let sink = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardOutput = sink
        p.standardError = sink
        try p.run()
        p.waitUntilExit()
        try sink.close()
        return (p.terminationStatus, try String(contentsOfFile: out, encoding: .utf8))
    }

    func ping(_ from: String, _ to: String, seconds: Int = 1) throws -> Bool {
        try lab.execute(from, ["ping", "-c", "1", "-w", "\(seconds)", to], timeout: .seconds(seconds + 5)).status == 0
    }

    /// Polls (bounded) until `ping` from `from` to `to` succeeds.
    func eventuallyPings(_ from: String, _ to: String, within: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if try ping(from, to) { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    func endpoint(_ host: String, _ name: String, network: String) async throws -> (ns: String, address: String) {
        let ns = try lab.addNamespace(name)
        let e: EndpointInfo = try await client(host).call(.POST, ControlAPI.Path.endpoints,
                                                          body: AddEndpointRequest(name: name, netns: try lab.netnsPath(ns), network: network))
        return (ns, e.addresses[0])
    }

    @Test("without --router-id and without a default route, start refuses and changes nothing")
    func noRouterID() throws {
        let dir = lab.path("state-none")
        let r = try lab.execute(hostA, [Self.routed, "start", "--as", "64512", "--state-dir", dir, "--socket", dir + "/s.sock"],
                                timeout: .seconds(20))
        #expect(r.status != 0)
        #expect(r.output.contains("--router-id") && r.output.contains("default route"), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: dir))
        #expect(try lab.run(hostA, ["ip", "route", "show", "proto", "201"]).isEmpty)
        #expect(try lab.run(hostA, ["sysctl", "-n", "net.ipv4.ip_forward"]).hasPrefix("0"))
    }

    @Test("endpoints reach each other across hosts; deny isolates; delete withdraws nothing else; kill -9 and restart lose no ping; errors are clear")
    func twoHosts() async throws {
        try await startAgent(hostA)
        try await startAgent(hostB)
        let a = client(hostA), b = client(hostB)
        let _: NetworkInfo = try await a.call(.POST, ControlAPI.Path.networks, body: CreateNetworkRequest(name: "lamp"))
        let _: NetworkInfo = try await a.call(.POST, ControlAPI.Path.networks, body: CreateNetworkRequest(name: "lnmp"))
        #expect(try await b.call(.GET, ControlAPI.Path.networks, as: [NetworkInfo].self).map(\.name) == ["lamp", "lnmp"])

        let a1 = try await endpoint(hostA, "a1", network: "lamp")
        let a2 = try await endpoint(hostA, "a2", network: "lnmp")
        let b1 = try await endpoint(hostB, "b1", network: "lamp")
        let b2 = try await endpoint(hostB, "b2", network: "lnmp")
        #expect(a1.address.hasPrefix("10.244.") && b1.address.hasPrefix("10.244."))

        // Every endpoint reaches every other by its own address (default allow).
        #expect(try await eventuallyPings(a1.ns, b1.address), "\(agents[hostA]!.logTail())\n\(agents[hostB]!.logTail())")
        #expect(try await eventuallyPings(b2.ns, a2.address))
        #expect(try await eventuallyPings(a1.ns, b2.address))
        let peers = try await a.call(.GET, ControlAPI.Path.peers, as: [PeerInfo].self)
        #expect(peers.map(\.state) == ["Established"] && peers[0].prefixesAccepted == 2)

        // deny lamp lnmp, sent to A: B applies it too (shared datastore); same-network traffic flows.
        let p: PolicyInfo = try await a.call(.POST, ControlAPI.Path.policies, body: AddPolicyRequest(action: "deny", from: "lamp", to: "lnmp"))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try !ping(a1.ns, b2.address), "lamp → lnmp across hosts still passes")
        #expect(try !ping(b2.ns, a1.address), "lnmp → lamp across hosts still passes")
        #expect(try !ping(b1.ns, b2.address), "lamp → lnmp on host B still passes")
        #expect(try ping(a1.ns, b1.address))
        #expect(try ping(a2.ns, b2.address))
        // The policy's counter on A counts the packets it dropped there.
        let counted = try await a.call(.GET, ControlAPI.Path.policies, as: PolicyList.self)
        #expect(counted.policies.map(\.id) == [p.id] && (counted.policies.first?.packets ?? 0) > 0, "\(counted)")

        // Deleting an endpoint withdraws nothing else: B's routes of A's blocks stay, traffic flows.
        let routesBefore = try lab.run(hostB, ["ip", "route", "show", "proto", "201"])
        let a3 = try await endpoint(hostA, "a3", network: "lamp")
        let _: Done = try await a.call(.DELETE, ControlAPI.Path.endpoints + "/a3")
        _ = a3
        try await Task.sleep(for: .milliseconds(500))
        #expect(try lab.run(hostB, ["ip", "route", "show", "proto", "201"]) == routesBefore)
        #expect(try ping(b1.ns, a1.address))

        // kill -9 of A and a restart: a continuous ping (10 ms) from B's endpoint to A's loses nothing.
        let pingLog = lab.path("ping.log")
        let pinger = try lab.spawn(b1.ns, ["ping", "-i", "0.01", "-c", "800", "-W", "1", a1.address], logFile: pingLog)
        try await Task.sleep(for: .seconds(1))
        agents[hostA]!.kill()
        try await startAgent(hostA)
        #expect(pinger.waitForExit(within: .seconds(30)))
        let summary = try String(contentsOfFile: pingLog, encoding: .utf8)
        let line = summary.split(separator: "\n").first { $0.contains("packets transmitted") }.map(String.init) ?? summary
        #expect(line.contains("800 packets transmitted, 800 received"), "\(line)")
        // After the restart the isolation still holds and the session is back.
        #expect(try !ping(a1.ns, b2.address))
        #expect(try await eventuallyPings(a1.ns, b1.address))
        #expect(try await b.call(.GET, ControlAPI.Path.endpoints, as: [EndpointInfo].self).map(\.name) == ["b1", "b2"])
        #expect(try await a.call(.GET, ControlAPI.Path.endpoints, as: [EndpointInfo].self).map(\.name) == ["a1", "a2"])

        // Policy removal restores lamp ↔ lnmp.
        let _: Done = try await b.call(.DELETE, ControlAPI.Path.policies + "/\(p.id)")
        #expect(try await eventuallyPings(a1.ns, b2.address, within: .seconds(5)))

        // A peer added and removed at run time leaves the other sessions alone.
        let sessionB = try await b.call(.GET, ControlAPI.Path.peers, as: [PeerInfo].self)[0]
        let extra: PeerInfo = try await a.call(.POST, ControlAPI.Path.peers, body: AddPeerRequest(spec: "10.99.0.3,hold=9,connect-retry=1"))
        #expect(extra.address == "10.99.0.3" && extra.type == "ibgp" && extra.importPolicy == "pool")
        #expect(try await a.call(.GET, ControlAPI.Path.peers, as: [PeerInfo].self).map(\.address) == ["10.99.0.2", "10.99.0.3"])
        let dup = try await a.failure(.POST, ControlAPI.Path.peers, body: AddPeerRequest(spec: "10.99.0.3"))
        #expect(dup?.status == 409 && dup?.body.kind == "alreadyExists")
        let _: Done = try await a.call(.DELETE, ControlAPI.Path.peers + "/10.99.0.3")
        #expect(try await a.call(.GET, ControlAPI.Path.peers, as: [PeerInfo].self).map(\.address) == ["10.99.0.2"])
        let sessionBAfter = try await b.call(.GET, ControlAPI.Path.peers, as: [PeerInfo].self)[0]
        #expect(sessionBAfter.state == "Established" && sessionBAfter.since == sessionB.since)

        // The routed CLI against the agent, as a user runs it.
        let status = try cli(["status"], socket: socket(hostA))
        #expect(status.0 == 0 && status.1.contains("10.99.0.2") && status.1.contains("Established"), "\(status.1)")
        let eps = try cli(["endpoint", "list", "-o", "json"], socket: socket(hostA))
        #expect(eps.0 == 0 && eps.1.contains("\"a1\"") && eps.1.contains(a1.address), "\(eps.1)")
        let ghost = try cli(["endpoint", "del", "ghost"], socket: socket(hostA))
        #expect(ghost.0 != 0 && ghost.1.contains("ghost"), "\(ghost.1)")
        let unknownNet = try cli(["policy", "deny", "lamp", "nope"], socket: socket(hostA))
        #expect(unknownNet.0 != 0 && unknownNet.1.contains("nope"), "\(unknownNet.1)")
        let ipam = try await a.call(.GET, ControlAPI.Path.ipam, as: IPAMReportBody.self)
        #expect(ipam.pools.map(\.cidr) == ["10.244.0.0/16"] && ipam.blocks.count == 4 && ipam.leaked.isEmpty, "\(ipam)")
        let ipamText = try cli(["ipam", "show"], socket: socket(hostB))
        #expect(ipamText.0 == 0 && ipamText.1.contains("10.244.0.0/16"), "\(ipamText.1)")

        // Clear errors.
        let e1 = try await a.failure(.DELETE, ControlAPI.Path.endpoints + "/ghost")
        #expect(e1?.status == 404 && e1?.body.kind == "unknownEndpoint" && e1?.body.message.contains("ghost") == true)
        let e2 = try await a.failure(.POST, ControlAPI.Path.endpoints, body: AddEndpointRequest(name: "x", netns: try lab.netnsPath(a1.ns), network: "nope"))
        #expect(e2?.status == 404 && e2?.body.kind == "unknownNetwork" && e2?.body.message.contains("routed network create nope") == true)
        let e3 = try await a.failure(.DELETE, ControlAPI.Path.peers + "/10.99.0.77")
        #expect(e3?.status == 404 && e3?.body.kind == "unknownPeer")
        let e4 = try await a.failure(.POST, ControlAPI.Path.policies, body: AddPolicyRequest(action: "deny", from: "lamp", to: "nope"))
        #expect(e4?.status == 404 && e4?.body.kind == "unknownNetwork")
        let metrics = try await a.raw(.GET, ControlAPI.Path.metrics)
        let text = String(decoding: metrics.1, as: UTF8.self)
        #expect(metrics.0 == 200 && text.contains("routed_bgp_peers_up 1") && text.contains("routed_endpoints 2"), "\(text)")
        // --metrics serves /metrics and /healthz over TCP too (B's loopback, inside its namespace).
        let overTCP = try lab.run(hostB, ["curl", "-sf", "--max-time", "5", "http://127.0.0.1:9179/metrics"])
        #expect(overTCP.contains("routed_bgp_peers_up 1") && overTCP.contains("routed_nftables_apply_seconds_count"), "\(overTCP)")
        #expect(try lab.run(hostB, ["curl", "-sf", "--max-time", "5", "http://127.0.0.1:9179/healthz"]).contains("\"healthy\" : true"))
        // The control socket is root-only.
        let mode = (try FileManager.default.attributesOfItem(atPath: socket(hostA))[.posixPermissions] as? Int) ?? 0
        #expect(mode & 0o077 == 0)

        // SIGTERM: a clean stop with Cease, so A withdraws B's blocks at once; B's kernel state stays.
        let bRoutes = try lab.run(hostB, ["ip", "route", "show", "proto", "201"])
        agents[hostB]!.stop(grace: .seconds(10))
        #expect(await exitStatus(agents[hostB]!) == 0, "\(agents[hostB]!.logTail())")
        #expect(try lab.run(hostB, ["ip", "route", "show", "proto", "201"]) == bRoutes)
        let deadline = ContinuousClock.now + .seconds(5)
        var aRoutes = ""
        repeat {
            aRoutes = try lab.run(hostA, ["ip", "route", "show", "proto", "201"])
            if !aRoutes.contains("via 10.99.0.2") { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        #expect(!aRoutes.contains("via 10.99.0.2"), "\(aRoutes)")
        #expect(aRoutes.contains("blackhole") && aRoutes.contains(a1.address))

        // --preserve-forwarding-on-exit: SIGTERM closes the session without Cease; A keeps B's blocks.
        try await startAgent(hostB, ["--preserve-forwarding-on-exit"])
        #expect(try await eventuallyPings(a1.ns, b1.address))
        agents[hostB]!.stop(grace: .seconds(10))
        #expect(await exitStatus(agents[hostB]!) == 0, "\(agents[hostB]!.logTail())")
        try await Task.sleep(for: .seconds(1))
        #expect(try lab.run(hostA, ["ip", "route", "show", "proto", "201"]).contains("via 10.99.0.2"))
        #expect(try ping(a1.ns, b1.address))
    }
}
