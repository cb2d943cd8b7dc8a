import AgentAPI
import Foundation
import InteropLab
import RoutedTestKit
import Testing
import TestScheduling

/// Three agents (`routed start --mesh`, the real binary, no `--peer`) in three host namespaces on
/// one switch (a bridge in a namespace of its own), sharing one SQLite file: they find each other
/// through the datastore, peer in a full iBGP mesh, and drop a host that stops. Every kernel
/// change happens inside namespaces this test creates; the lab removes them (and stops the agents
/// by pid) on every exit path.
@Suite("Agents in a mesh", .blockingWork, .enabled(if: isRoot && NamespaceLab.isAvailable, "\(needsRoot)"), .serialized)
final class MeshHostTests {
    let lab: NamespaceLab
    /// Host namespace → its uplink address.
    var hosts: [(ns: String, address: String)] = []
    var agents: [String: ChildProcess] = [:]

    init() throws {
        lab = try NamespaceLab(name: "mesh")
        let sw = try lab.addNamespace("sw")
        try lab.run(sw, ["ip", "link", "add", "br0", "type", "bridge"])
        try lab.run(sw, ["ip", "link", "set", "br0", "up"])
        for (i, short) in ["ma", "mb", "mc"].enumerated() {
            let ns = try lab.addNamespace(short)
            let address = "10.98.0.\(i + 1)"
            try lab.link(ns, "uplink", sw, "p\(short)", addresses: (["\(address)/24"], []))
            try lab.run(sw, ["ip", "link", "set", "p\(short)", "master", "br0"])
            hosts.append((ns, address))
        }
    }

    deinit { lab.cleanup() }

    func socket(_ address: String) -> String { lab.path("\(address).sock") }
    func client(_ address: String) -> ControlClient { ControlClient(socket: socket(address)) }

    func startAgent(_ host: (ns: String, address: String)) async throws {
        let me = host.address
        let args = [TwoHostTests.routed, "start", "--as", "64512", "--router-id", me, "--listen", me, "--mesh",
                    "--datastore", "sqlite:" + lab.path("routed.sqlite"), "--state-dir", lab.path("state-\(me)"),
                    "--socket", socket(me), "--hostname", "host-\(me)", "--uplink", "uplink", "--log-level", "info"]
        let child = try lab.spawn(host.ns, args, logFile: lab.path("agent-\(me).log"))
        agents[me] = child
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if !child.isRunning { Issue.record("agent \(me) exited: \(child.logTail())"); throw CancellationError() }
            if let (status, _) = try? await client(me).raw(.GET, ControlAPI.Path.health), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("agent \(me) did not answer: \(child.logTail())")
        throw CancellationError()
    }

    /// Polls (bounded) until `address`'s agent lists exactly `expected` as Established mesh peers.
    func eventuallyPeers(_ address: String, _ expected: [String], within: Duration = .seconds(45)) async throws -> [PeerInfo] {
        let deadline = ContinuousClock.now + within
        var peers: [PeerInfo] = []
        while ContinuousClock.now < deadline {
            peers = try await client(address).call(.GET, ControlAPI.Path.peers, as: [PeerInfo].self)
            if peers.map(\.address).sorted() == expected, peers.allSatisfy({ $0.state == "Established" && $0.type == "mesh" }) {
                return peers
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("\(address) peers: \(peers.map { "\($0.address) \($0.type) \($0.state)" }) \(agents[address]?.logTail() ?? "")")
        return peers
    }

    func endpoint(_ address: String, _ name: String, network: String) async throws -> (ns: String, address: String) {
        let ns = try lab.addNamespace(name)
        let e: EndpointInfo = try await client(address).call(.POST, ControlAPI.Path.endpoints,
                                                             body: AddEndpointRequest(name: name, netns: try lab.netnsPath(ns), network: network))
        return (ns, e.addresses[0])
    }

    func eventuallyPings(_ from: String, _ to: String, within: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if try lab.execute(from, ["ping", "-c", "1", "-w", "1", to], timeout: .seconds(6)).status == 0 { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    @Test("three --mesh agents find each other in the datastore, reach each other's endpoints, and drop a host that stops or dies; a logged deny carries nft log")
    func mesh() async throws {
        for h in hosts { try await startAgent(h) }
        let (a, b, c) = (hosts[0].address, hosts[1].address, hosts[2].address)
        _ = try await eventuallyPeers(a, [b, c])
        _ = try await eventuallyPeers(b, [a, c])
        let fromC = try await eventuallyPeers(c, [a, b])
        #expect(fromC.allSatisfy { $0.importPolicy == "pool" && $0.exportPolicy == "blocks" && $0.remoteAS == 64512 })

        let _: NetworkInfo = try await client(a).call(.POST, ControlAPI.Path.networks, body: CreateNetworkRequest(name: "lamp"))
        let ea = try await endpoint(a, "ea", network: "lamp")
        let eb = try await endpoint(b, "eb", network: "lamp")
        let ec = try await endpoint(c, "ec", network: "lamp")
        #expect(try await eventuallyPings(ea.ns, eb.address), "\(agents[a]!.logTail())")
        #expect(try await eventuallyPings(eb.ns, ec.address))
        #expect(try await eventuallyPings(ec.ns, ea.address))

        // A logged deny: stored with its flag, listed with log=true, and its nft chain logs.
        let _: NetworkInfo = try await client(a).call(.POST, ControlAPI.Path.networks, body: CreateNetworkRequest(name: "lnmp"))
        // A member of lnmp, so the deny has addresses to match (a policy between networks with no
        // members compiles to no rule at all).
        _ = try await endpoint(b, "ed", network: "lnmp")
        let p: PolicyInfo = try await client(a).call(.POST, ControlAPI.Path.policies,
                                                     body: AddPolicyRequest(action: "deny", from: "lamp", to: "lnmp", log: true))
        #expect(p.log)
        // B reads it from the shared datastore (within its poll interval) and applies it (bounded
        // generously: the full suite runs everything at once on two cores).
        let deadline = ContinuousClock.now + .seconds(15)
        var table = "", listed = PolicyList(defaultAction: "", policies: [])
        repeat {
            listed = try await client(b).call(.GET, ControlAPI.Path.policies, as: PolicyList.self)
            table = try lab.run(hosts[1].ns, ["nft", "list", "table", "inet", "routed"])
            if !listed.policies.isEmpty, table.contains("log prefix") { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        #expect(listed.policies.map(\.log) == [true], "\(listed)")
        #expect(table.contains("log prefix \"routed p\(p.id) deny \""), "\(table)")

        // C stops (SIGTERM): A and B drop it from their meshes and keep each other.
        agents[c]!.stop(grace: .seconds(10))
        _ = try await eventuallyPeers(a, [b], within: .seconds(15))
        _ = try await eventuallyPeers(b, [a], within: .seconds(15))
        #expect(try await eventuallyPings(ea.ns, eb.address, within: .seconds(5)))

        // C comes back: it is peered with again.
        try await startAgent(hosts[2])
        _ = try await eventuallyPeers(a, [b, c])
        _ = try await eventuallyPeers(c, [a, b])
        #expect(try await eventuallyPings(ea.ns, ec.address))

        // C dies (kill -9): its record stays but is no longer renewed; 30 s later (three missed
        // heartbeats) the others' next heartbeat finds it expired and drops the peer.
        agents[c]!.kill()
        _ = try await eventuallyPeers(a, [b], within: .seconds(50))
        _ = try await eventuallyPeers(b, [a], within: .seconds(15))
    }
}
