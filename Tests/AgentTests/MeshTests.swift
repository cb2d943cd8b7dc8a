import Agent
import AgentAPI
import Datastore
import Foundation
import IPAddressing
import IPAM
import Policy
import RoutedTestKit
import Synchronization
import Testing
import TestScheduling

/// `routed start --mesh`: which hosts of the datastore become iBGP peers (pure), and the agent
/// adding and removing them as hosts appear, move, stop and expire (in-memory speaker and store).
@Suite("Mesh", .blockingWork)
struct MeshTests {
    static func a(_ s: String) -> IPAddress { IPAddress(s)! }
    static let me = MeshPeering(localHost: "node-1", localAddress: a("10.99.0.1"), hostTimeout: 30)

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var hosts: [HostRecord]
        var configured: Set<IPAddress> = []
        var expected: [String]
    }

    static let cases: [Case] = [
        Case(testDescription: "another live host with an address is a neighbour",
             hosts: [HostRecord(name: "node-2", lastSeen: 100, bgpAddress: a("10.99.0.2"))], expected: ["10.99.0.2"]),
        Case(testDescription: "never this host, by name",
             hosts: [HostRecord(name: "node-1", lastSeen: 100, bgpAddress: a("10.99.0.9"))], expected: []),
        Case(testDescription: "never this host, by address",
             hosts: [HostRecord(name: "old-name", lastSeen: 100, bgpAddress: a("10.99.0.1"))], expected: []),
        Case(testDescription: "a host without an address (stopped cleanly) is left out",
             hosts: [HostRecord(name: "node-2", lastSeen: 100)], expected: []),
        Case(testDescription: "a host 30 s without a heartbeat has expired",
             hosts: [HostRecord(name: "node-2", lastSeen: 70, bgpAddress: a("10.99.0.2")),
                     HostRecord(name: "node-3", lastSeen: 71, bgpAddress: a("10.99.0.3"))], expected: ["10.99.0.3"]),
        Case(testDescription: "an explicit --peer for the address wins",
             hosts: [HostRecord(name: "node-2", lastSeen: 100, bgpAddress: a("10.99.0.2"))], configured: [a("10.99.0.2")], expected: []),
        Case(testDescription: "two records claiming one address: the most recently renewed",
             hosts: [HostRecord(name: "node-2", lastSeen: 90, bgpAddress: a("10.99.0.2")),
                     HostRecord(name: "node-2b", lastSeen: 95, bgpAddress: a("10.99.0.2"))], expected: ["10.99.0.2 (node-2b)"]),
    ]

    @Test("which hosts are neighbours", arguments: cases)
    func neighbours(c: Case) {
        let n = Self.me.neighbours(hosts: c.hosts, now: 100, configured: c.configured)
        let withNames = c.expected.contains { text in text.contains("(") }
        let got = n.values.sorted().map { neighbour in withNames ? "\(neighbour)" : "\(neighbour.address)" }
        #expect(got == c.expected)
    }

    @Test("a plan removes hosts that left or moved and adds new ones; a new port is a remove and an add")
    func plan() {
        typealias N = MeshPeering.Neighbour
        let current = [Self.a("10.0.0.2"): N(address: Self.a("10.0.0.2"), host: "h2"),
                       Self.a("10.0.0.3"): N(address: Self.a("10.0.0.3"), host: "h3"),
                       Self.a("10.0.0.4"): N(address: Self.a("10.0.0.4"), host: "h4")]
        let wanted = [Self.a("10.0.0.2"): N(address: Self.a("10.0.0.2"), host: "h2"),             // unchanged
                      Self.a("10.0.0.33"): N(address: Self.a("10.0.0.33"), host: "h3"),           // h3 moved
                      Self.a("10.0.0.4"): N(address: Self.a("10.0.0.4"), port: 1179, host: "h4"), // new port
                      Self.a("10.0.0.5"): N(address: Self.a("10.0.0.5"), host: "h5")]             // new host
        let p = MeshPeering.plan(current: current, wanted: wanted)
        #expect(p.remove == [Self.a("10.0.0.3"), Self.a("10.0.0.4")])
        #expect(p.add.map(\.address) == [Self.a("10.0.0.4"), Self.a("10.0.0.5"), Self.a("10.0.0.33")])
        #expect(MeshPeering.plan(current: wanted, wanted: wanted).isEmpty)
    }

    @Test("a mesh peer is iBGP of kind mesh: import pool, export blocks")
    func meshPeerDefaults() {
        let p = MeshPeering.peer(.init(address: Self.a("10.0.0.2"), port: 1179, host: "h2"), localAS: 64512)
        #expect(p.kind == .mesh && p.spec.remoteAS == 64512 && p.spec.port == 1179)
        #expect(p.effectiveImport == "pool" && p.effectiveExport == "blocks")
    }

    // MARK: the agent

    final class Clock: Sendable {
        let t = Mutex<Int64>(1_000)
        func advance(_ s: Int64) { t.withLock { $0 += s } }
        var function: @Sendable () -> Int64 { { [self] in self.t.withLock { $0 } } }
    }

    struct Rig {
        let agent: Agent
        let speaker: InMemorySpeaker
        let store: InMemoryDatastore
        let clock: Clock
    }

    static func rig(peers: [String] = [], mesh: Bool = true, store: InMemoryDatastore = InMemoryDatastore(),
                    preserveForwarding: Bool = false) async throws -> Rig {
        var o = AgentOptions()
        o.as = 64512
        o.peer = peers
        o.mesh = mesh
        o.routerID = "10.99.0.1"
        o.preserveForwardingOnExit = preserveForwarding
        let config = try AgentConfiguration(flags: o, defaultHostname: "node-1")
        let speaker = try InMemorySpeaker(localAS: 64512, routerID: IPv4Address("10.99.0.1")!, pools: config.pools, peers: config.peers)
        let clock = Clock()
        let agent = Agent(configuration: config, routerID: IPv4Address("10.99.0.1")!, store: store, dataplane: FakeDataplane(),
                          speaker: speaker, policy: RecordingPolicyProgrammer(), clock: clock.function)
        try await agent.bootstrap()
        return Rig(agent: agent, speaker: speaker, store: store, clock: clock)
    }

    /// The speaker's peers as `address type`.
    static func peers(_ r: Rig) async -> [String] { await r.speaker.peers().map { "\($0.address) \($0.type)" } }

    @Test("the agent registers its BGP address: the router id when it listens on every address")
    func registers() async throws {
        let r = try await Self.rig()
        #expect(try await r.store.hosts() == [HostRecord(name: "node-1", lastSeen: 1_000, bgpAddress: Self.a("10.99.0.1"))])
    }

    @Test("hosts appearing, moving, stopping and expiring become addPeer and removePeer")
    func followsHosts() async throws {
        let store = InMemoryDatastore()
        try await store.heartbeat(host: "node-2", at: 1_000, bgpAddress: Self.a("10.99.0.2"), bgpPort: 179)
        let r = try await Self.rig(store: store)
        #expect(await Self.peers(r) == ["10.99.0.2 mesh"], "a host already registered is peered with at start")

        try await store.heartbeat(host: "node-3", at: 1_000, bgpAddress: Self.a("10.99.0.3"), bgpPort: 179)
        await r.agent.datastoreChanged(.host("node-3"))
        #expect(await Self.peers(r) == ["10.99.0.2 mesh", "10.99.0.3 mesh"])

        // node-3 moves to another address.
        try await store.heartbeat(host: "node-3", at: 1_001, bgpAddress: Self.a("10.99.0.33"), bgpPort: 179)
        await r.agent.datastoreChanged(.host("node-3"))
        #expect(await Self.peers(r) == ["10.99.0.2 mesh", "10.99.0.33 mesh"])

        // node-2 stops cleanly: its record keeps no address.
        try await store.heartbeat(host: "node-2", at: 1_002, bgpAddress: nil, bgpPort: 179)
        await r.agent.datastoreChanged(.host("node-2"))
        #expect(await Self.peers(r) == ["10.99.0.33 mesh"])

        // node-3 stops renewing: on our heartbeat 30 s later it has expired.
        r.clock.advance(31)
        await r.agent.heartbeat()
        #expect(await Self.peers(r).isEmpty)

        // A record that disappears altogether (etcd's lease expiry, deleteHost) too.
        try await store.heartbeat(host: "node-4", at: 1_031, bgpAddress: Self.a("10.99.0.4"), bgpPort: 179)
        await r.agent.datastoreChanged(.host("node-4"))
        #expect(await Self.peers(r) == ["10.99.0.4 mesh"])
        try await store.deleteHost("node-4")
        await r.agent.datastoreChanged(.host("node-4"))
        #expect(await Self.peers(r).isEmpty)
    }

    @Test("an explicit --peer or `routed peer add` for a host's address wins over the mesh")
    func explicitPeersWin() async throws {
        let store = InMemoryDatastore()
        try await store.heartbeat(host: "node-2", at: 1_000, bgpAddress: Self.a("10.99.0.2"), bgpPort: 179)
        let r = try await Self.rig(peers: ["10.99.0.2,as=64512,export=all"], store: store)
        #expect(await Self.peers(r) == ["10.99.0.2 ibgp"])
        _ = try await r.agent.addPeer("10.99.0.3,as=64512")
        try await store.heartbeat(host: "node-3", at: 1_000, bgpAddress: Self.a("10.99.0.3"), bgpPort: 179)
        await r.agent.datastoreChanged(.host("node-3"))
        #expect(await Self.peers(r) == ["10.99.0.2 ibgp", "10.99.0.3 ibgp"])
    }

    @Test("at run time: `peer add` replaces a mesh peer, `peer del` of a mesh peer is refused, of a replaced one hands it back to the mesh")
    func runTimePeersAndTheMesh() async throws {
        let store = InMemoryDatastore()
        try await store.heartbeat(host: "node-2", at: 1_000, bgpAddress: Self.a("10.99.0.2"), bgpPort: 179)
        let r = try await Self.rig(store: store)
        #expect(await Self.peers(r) == ["10.99.0.2 mesh"])

        await #expect { try await r.agent.deletePeer("10.99.0.2") } throws: { error in
            "\(error)".contains("mesh peer for host 'node-2'") && "\(error)".contains("routed peer add 10.99.0.2")
                && APIErrorBody(error).kind == "conflict"
        }
        #expect(await Self.peers(r) == ["10.99.0.2 mesh"], "a refused delete changes nothing")

        let info = try await r.agent.addPeer("10.99.0.2,as=64512,export=all")
        #expect(info.type == "ibgp" && info.exportPolicy == "all")
        await r.agent.heartbeat()
        #expect(await Self.peers(r) == ["10.99.0.2 ibgp"], "the configured peer stays in place of the mesh one")

        try await r.agent.deletePeer("10.99.0.2")
        #expect(await Self.peers(r) == ["10.99.0.2 mesh"], "node-2 is still a live host: the mesh peers with it again")
    }

    @Test("without --mesh, hosts in the datastore are not peered with")
    func noMesh() async throws {
        let store = InMemoryDatastore()
        try await store.heartbeat(host: "node-2", at: 1_000, bgpAddress: Self.a("10.99.0.2"), bgpPort: 179)
        let r = try await Self.rig(mesh: false, store: store)
        await r.agent.datastoreChanged(.host("node-2"))
        #expect(await Self.peers(r).isEmpty)
    }

    @Test("a clean stop withdraws this host from the others' meshes; with forwarding preserved it stays")
    func stopWithdraws() async throws {
        let r = try await Self.rig()
        await r.agent.shutdown()
        #expect(try await r.store.hosts().first?.bgpAddress == nil)
        let kept = try await Self.rig(preserveForwarding: true)
        await kept.agent.shutdown()
        #expect(try await kept.store.hosts().first?.bgpAddress == Self.a("10.99.0.1"))
    }

    // MARK: --log and container ids

    @Test("a logged policy is stored with its flag, listed with log=true and compiled with a log")
    func loggedPolicy() async throws {
        let store = InMemoryDatastore()
        let r = try await Self.rig(mesh: false, store: store)
        let policy = RecordingPolicyProgrammer()
        _ = try await r.agent.createNetwork("lamp")
        _ = try await r.agent.createNetwork("lnmp")
        let p = try await r.agent.addPolicy(AddPolicyRequest(action: "deny", from: "lamp", to: "lnmp", log: true))
        #expect(p.log)
        #expect(await r.agent.listPolicies().policies.map(\.log) == [true])
        #expect(try await store.policies().map(\.log) == [true])
        let chain = await r.agent.ruleset().policyChains.values.first
        #expect(chain?.log == true && chain?.action == .deny)
        // Another agent sharing the store reads the flag back.
        let other = Agent(configuration: try AgentConfiguration(flags: { var o = AgentOptions(); o.as = 64512; o.routerID = "10.99.0.9"; return o }(),
                                                                defaultHostname: "node-9"),
                          routerID: IPv4Address("10.99.0.9")!, store: store, dataplane: FakeDataplane(),
                          speaker: try InMemorySpeaker(localAS: 64512, routerID: IPv4Address("10.99.0.9")!, pools: []), policy: policy)
        try await other.bootstrap()
        #expect(await other.listPolicies().policies.map(\.log) == [true])
        #expect(policy.last?.policyChains.values.map(\.log) == [true])
    }

    @Test("an endpoint keeps its container id; the same name for another container is a conflict (409)")
    func containerID() async throws {
        let r = try await Self.rig(mesh: false)
        _ = try await r.agent.createNetwork("lamp")
        let netns = "/proc/self/ns/net"
        let e = try await r.agent.addEndpoint(AddEndpointRequest(name: "web1", netns: netns, network: "lamp", containerID: "c0ffee01"))
        #expect(e.containerID == "c0ffee01")
        #expect(await r.agent.listEndpoints().map(\.containerID) == ["c0ffee01"])
        #expect(try await r.store.endpoints().map(\.containerID) == ["c0ffee01"])
        // CNI ADD again for the same container: the same endpoint.
        #expect(try await r.agent.addEndpoint(AddEndpointRequest(name: "web1", netns: netns, network: "lamp", containerID: "c0ffee01")) == e)
        // `routed endpoint add` again without a container id: still the same endpoint, id kept.
        #expect(try await r.agent.addEndpoint(AddEndpointRequest(name: "web1", netns: netns, network: "lamp")).containerID == "c0ffee01")
        do {
            _ = try await r.agent.addEndpoint(AddEndpointRequest(name: "web1", netns: netns, network: "lamp", containerID: "deadbeef"))
            Issue.record("another container took endpoint web1")
        } catch let error as AgentError {
            let body = APIErrorBody(error)
            #expect(body.kind == "conflict" && body.httpStatus == 409, "\(body)")
            #expect(error.description.contains("belongs to container c0ffee01, not deadbeef"), "\(error)")
        }
        #expect(await r.agent.listEndpoints().count == 1)
        #expect(try await r.store.endpoints().map(\.containerID) == ["c0ffee01"])
    }
}
