import Agent
import AgentAPI
import BGPCore
import BGPSpeaker
import BGPWire
import Dataplane
import Datastore
import Foundation
import IPAddressing
import Logging
import ServiceLifecycle
import IPAM
import Policy
import RoutedTestKit
import Testing
import TestScheduling

/// The agent wired to fakes that only record: `FakeDataplane` (a pretend kernel),
/// `InMemorySpeaker` (a pretend BGP peer), `InMemoryDatastore` and `RecordingPolicyProgrammer`.
@Suite("Agent wiring", .blockingWork)
struct AgentWiringTests {
    static let localAS: UInt32 = 64512
    static let peerAddress = IPAddress("192.0.2.2")!

    struct Rig {
        let agent: Agent
        let dataplane: FakeDataplane
        let speaker: InMemorySpeaker
        let store: any Datastore
        let policy: RecordingPolicyProgrammer
    }

    static func rig(store: any Datastore = InMemoryDatastore(), dataplane: FakeDataplane = FakeDataplane(),
                    hostname: String = "node-1", peers: [String] = ["192.0.2.2"], blockReleaseGrace: Int? = nil) async throws -> Rig {
        var o = AgentOptions()
        o.as = localAS
        o.blockReleaseGrace = blockReleaseGrace
        o.peer = peers
        o.routerID = "192.0.2.1"
        let config = try AgentConfiguration(flags: o, defaultHostname: hostname)
        let speaker = try InMemorySpeaker(localAS: localAS, routerID: IPv4Address("192.0.2.1")!, pools: config.pools, peers: config.peers)
        let policy = RecordingPolicyProgrammer()
        let agent = Agent(configuration: config, routerID: IPv4Address("192.0.2.1")!, store: store, dataplane: dataplane,
                          speaker: speaker, policy: policy)
        try await agent.bootstrap()
        return Rig(agent: agent, dataplane: dataplane, speaker: speaker, store: store, policy: policy)
    }

    static let netns = "/proc/self/ns/net"   // exists; the fake dataplane never enters it

    static func prefix(_ s: String) -> IPPrefix { IPPrefix(s)! }

    @Test("endpoint add: an address from a new block, the /32 route, the block blackholed and originated with ASN:1:network-id")
    func endpointAdd() async throws {
        let r = try await Self.rig()
        _ = try await r.agent.createNetwork("lamp")
        let e = try await r.agent.addEndpoint(AddEndpointRequest(name: "web1", netns: Self.netns, network: "lamp"))
        #expect(e.addresses == ["10.244.0.0"])
        #expect(e.hostInterface == EndpointSpec.hostInterfaceName(for: "web1"))
        let routes = r.dataplane.routes
        #expect(routes[Self.prefix("10.244.0.0/32")]?.target == .interface(e.hostInterface))
        #expect(routes[Self.prefix("10.244.0.0/26")]?.target == .blackhole)
        let lamp = NetworkID(deriving: NetworkName(rawValue: "lamp")!).rawValue
        #expect(r.speaker.originated == [OriginatedRoute(prefix: Self.prefix("10.244.0.0/26"),
                                                          largeCommunities: [LargeCommunity(Self.localAS, 1, lamp)])])
        // The endpoint is in the ruleset: anti-spoofing and its network's membership.
        let rs = try #require(r.policy.last)
        #expect(rs.workloadInterfaces == [e.hostInterface])
        #expect(rs.network(of: IPv4Address("10.244.0.0")!).rawValue == lamp)
        // The same request again is the same endpoint; a different one for the name is a conflict.
        let again = try await r.agent.addEndpoint(AddEndpointRequest(name: "web1", netns: Self.netns, network: "lamp"))
        #expect(again == e)
        _ = try await r.agent.createNetwork("lnmp")
        await #expect(throws: AgentError.self) {
            try await r.agent.addEndpoint(AddEndpointRequest(name: "web1", netns: Self.netns, network: "lnmp"))
        }
        // A second endpoint takes the next address of the same block: nothing new originated.
        let e2 = try await r.agent.addEndpoint(AddEndpointRequest(name: "web2", netns: Self.netns, network: "lamp"))
        #expect(e2.addresses == ["10.244.0.1"])
        #expect(r.speaker.originated.count == 1)
        // Another network gets its own block.
        let e3 = try await r.agent.addEndpoint(AddEndpointRequest(name: "db1", netns: Self.netns, network: "lnmp"))
        #expect(e3.addresses == ["10.244.0.64"])
        #expect(r.speaker.originated.map(\.prefix) == [Self.prefix("10.244.0.0/26"), Self.prefix("10.244.0.64/26")])
    }

    @Test("concurrent adds of the same endpoint converge on one address and one veth")
    func concurrentAdds() async throws {
        let r = try await Self.rig()
        _ = try await r.agent.createNetwork("lamp")
        let results = try await withThrowingTaskGroup(of: EndpointInfo.self) { g in
            for _ in 0..<8 { g.addTask { try await r.agent.addEndpoint(AddEndpointRequest(name: "c1", netns: Self.netns, network: "lamp")) } }
            return try await g.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.addresses)).count == 1)
        #expect(r.dataplane.endpoints.count == 1)
        #expect(try await r.store.endpoints().count == 1)
    }

    @Test("a learned block: `block via host` in the FIB and the block in its network's membership")
    func learnedBlock() async throws {
        let r = try await Self.rig()
        _ = try await r.agent.createNetwork("lamp")
        let lamp = NetworkID(deriving: NetworkName(rawValue: "lamp")!).rawValue
        let before = r.policy.programmed.count
        r.speaker.receive(from: Self.peerAddress, announce: [Self.prefix("10.244.1.0/26")], nextHop: Self.peerAddress,
                          largeCommunities: [LargeCommunity(Self.localAS, 1, lamp)])
        try await Self.settle(r) { r.dataplane.routes[Self.prefix("10.244.1.0/26")] != nil }
        #expect(r.dataplane.routes[Self.prefix("10.244.1.0/26")]?.target == .gateway(Self.peerAddress, interface: nil, onlink: false))
        #expect(r.policy.programmed.count > before)
        #expect(r.policy.last?.network(of: IPv4Address("10.244.1.5")!).rawValue == lamp)
        // The safe default import policy: from an iBGP peer only pool blocks.
        r.speaker.receive(from: Self.peerAddress, announce: [Self.prefix("0.0.0.0/0"), Self.prefix("192.168.0.0/24")], nextHop: Self.peerAddress)
        r.speaker.receive(from: Self.peerAddress, withdraw: [Self.prefix("10.244.1.0/26")])
        try await Self.settle(r) { r.dataplane.routes[Self.prefix("10.244.1.0/26")] == nil }
        #expect(r.dataplane.routes[Self.prefix("0.0.0.0/0")] == nil)
        #expect(r.dataplane.routes[Self.prefix("192.168.0.0/24")] == nil)
        #expect(r.policy.last?.network(of: IPv4Address("10.244.1.5")!) == NetworkID.world)
        let peers = await r.agent.listPeers()
        #expect(peers.first?.prefixesReceived == 2 && peers.first?.prefixesAccepted == 0)
    }

    /// Runs the agent's change loop until `done` holds (bounded: 2 s).
    static func settle(_ r: Rig, until done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(2)
        var iterator = r.speaker.bestRouteChanges.makeAsyncIterator()
        while !done(), ContinuousClock.now < deadline {
            guard let batch = await iterator.next() else { break }
            await r.agent.handle(batch)
        }
        #expect(done())
    }

    /// Hands the next `batches` best-route change batches to the agent.
    static func handle(_ r: Rig, batches: Int) async throws {
        var iterator = r.speaker.bestRouteChanges.makeAsyncIterator()
        for _ in 0..<batches {
            guard let batch = await iterator.next() else { Issue.record("the speaker's stream ended"); return }
            await r.agent.handle(batch)
        }
    }

    @Test("a block whose last endpoint left is released and withdrawn once its grace period has passed")
    func emptyBlockRelease() async throws {
        let r = try await Self.rig(blockReleaseGrace: 0)
        _ = try await r.agent.createNetwork("lamp")
        _ = try await r.agent.addEndpoint(AddEndpointRequest(name: "a", netns: Self.netns, network: "lamp"))
        #expect(r.dataplane.routes[Self.prefix("10.244.0.0/26")]?.target == .blackhole)
        #expect(r.speaker.originated.map(\.prefix) == [Self.prefix("10.244.0.0/26")])
        try await r.agent.deleteEndpoint("a")
        #expect(r.dataplane.routes[Self.prefix("10.244.0.0/26")] == nil, "the blackhole goes with the block")
        #expect(r.speaker.originated.isEmpty, "the block is withdrawn")
        #expect(try await r.store.blocks().isEmpty, "the claim is released in the datastore")
        // The next endpoint claims a block again.
        _ = try await r.agent.addEndpoint(AddEndpointRequest(name: "b", netns: Self.netns, network: "lamp"))
        #expect(r.speaker.originated.map(\.prefix) == [Self.prefix("10.244.0.0/26")])
    }

    /// The agent's clock counts whole seconds: a block empty since second 10 may have been empty
    /// since 10.9, so at second 13 only 2.1 s have surely passed.
    @Test("the release grace counts only whole seconds that surely passed", arguments: [
        // (empty since, now, grace, released)
        (Int64(10), Int64(10), 0, true),    // no grace: at once
        (10, 12, 3, false),
        (10, 13, 3, false),                 // 3 on the clock, perhaps 2.1 s in fact
        (10, 14, 3, true),                  // at least 3.0 s
        (10, 310, 300, false),
        (10, 311, 300, true),
    ])
    func releaseGrace(since: Int64, now: Int64, grace: Int, released: Bool) {
        #expect(Agent.graceHasPassed(since: since, now: now, grace: grace) == released)
    }

    @Test("deleting an endpoint removes its veth and /32 and withdraws nothing else")
    func deleteEndpoint() async throws {
        let r = try await Self.rig()
        _ = try await r.agent.createNetwork("lamp")
        let a = try await r.agent.addEndpoint(AddEndpointRequest(name: "a", netns: Self.netns, network: "lamp"))
        _ = try await r.agent.addEndpoint(AddEndpointRequest(name: "b", netns: Self.netns, network: "lamp"))
        r.speaker.receive(from: Self.peerAddress, announce: [Self.prefix("10.244.1.0/26")], nextHop: Self.peerAddress)
        try await Self.settle(r) { r.dataplane.routes[Self.prefix("10.244.1.0/26")] != nil }
        let originated = r.speaker.originated
        let originations = r.speaker.originations.count
        let routesBefore = r.dataplane.routes
        try await r.agent.deleteEndpoint("a")
        #expect(r.dataplane.endpoints.keys.sorted() == ["b"])
        var expected = routesBefore
        expected[Self.prefix("\(a.addresses[0])/32")] = nil
        #expect(r.dataplane.routes == expected)
        #expect(r.speaker.originated == originated)
        #expect(r.speaker.originations.count == originations)
        #expect(try await r.store.endpoints().map(\.name) == ["b"])
        await #expect(throws: AgentError.unknownEndpoint("a")) { try await r.agent.deleteEndpoint("a") }
    }

    @Test("a restart adopts the kernel's state: no endpoint or route is removed, learned routes wait for BGP")
    func restartAdopts() async throws {
        let store = InMemoryDatastore()
        let dataplane = FakeDataplane()
        do {
            let first = try await Self.rig(store: store, dataplane: dataplane)
            _ = try await first.agent.createNetwork("lamp")
            _ = try await first.agent.addEndpoint(AddEndpointRequest(name: "a", netns: Self.netns, network: "lamp"))
            first.speaker.receive(from: Self.peerAddress, announce: [Self.prefix("10.244.1.0/26"), Self.prefix("10.244.2.0/26")],
                                  nextHop: Self.peerAddress)
            try await Self.settle(first) { first.dataplane.routes.count == 4 }
            // kill -9: nothing is cleaned up.
        }
        let kernelBefore = dataplane.routes
        let callsBefore = dataplane.calls.count
        let second = try await Self.rig(store: store, dataplane: dataplane)
        let calls = dataplane.calls.dropFirst(callsBefore)
        #expect(!calls.contains { if case .removeEndpoint = $0 { true } else { false } })
        #expect(!calls.contains { if case .apply(let ops) = $0 { ops.contains { if case .delete = $0 { true } else { false } } } else { false } })
        #expect(dataplane.routes == kernelBefore)
        #expect(second.speaker.originated.map(\.prefix) == [Self.prefix("10.244.0.0/26")])
        #expect(second.policy.programmed.isEmpty)   // the old table stays until BGP has converged
        #expect(await second.agent.restartPending)
        // BGP comes back with one of the two blocks; at the end of the restart the other goes.
        second.speaker.receive(from: Self.peerAddress, announce: [Self.prefix("10.244.1.0/26")], nextHop: Self.peerAddress)
        try await Self.handle(second, batches: 1)
        await second.agent.finishRestart()
        #expect(dataplane.routes[Self.prefix("10.244.1.0/26")] != nil)
        #expect(dataplane.routes[Self.prefix("10.244.2.0/26")] == nil)
        #expect(dataplane.routes[Self.prefix("10.244.0.0/26")]?.target == .blackhole)
        #expect(second.policy.programmed.count == 1)
        #expect(await second.agent.listEndpoints().map(\.name) == ["a"])
    }

    @Test("a restart removes an endpoint whose namespace disappeared meanwhile, and frees its address")
    func restartDropsVanishedEndpoint() async throws {
        let store = InMemoryDatastore()
        let dataplane = FakeDataplane()
        let first = try await Self.rig(store: store, dataplane: dataplane)
        _ = try await first.agent.createNetwork("lamp")
        _ = try await first.agent.addEndpoint(AddEndpointRequest(name: "kept", netns: Self.netns, network: "lamp"))
        // A record whose namespace is gone (the container died while the agent was down).
        let gone = try await IPAllocator(store: store).allocate(endpoint: "gone", network: "lamp", host: "node-1")
        try await store.putEndpoint(EndpointRecord(name: "gone", network: "lamp", host: "node-1", addresses: [gone],
                                                   netns: "/run/netns/routed-test-none-such"))
        let second = try await Self.rig(store: store, dataplane: dataplane)
        #expect(await second.agent.listEndpoints().map(\.name) == ["kept"])
        #expect(try await store.endpoints().map(\.name) == ["kept"])
        #expect(try await store.blocks().flatMap { b in b.allocations.map(\.allocation.endpoint) } == ["kept"])
        #expect(dataplane.calls.contains(.removeEndpoint("gone")))
    }

    @Test("the loops service: a restart without peers ends at once; graceful shutdown tells the speaker to Cease")
    func loopsService() async throws {
        let store = InMemoryDatastore(), dataplane = FakeDataplane()
        let first = try await Self.rig(store: store, dataplane: dataplane, peers: [])
        _ = try await first.agent.createNetwork("lamp")
        _ = try await first.agent.addEndpoint(AddEndpointRequest(name: "a", netns: Self.netns, network: "lamp"))
        let second = try await Self.rig(store: store, dataplane: dataplane, peers: [])
        #expect(await second.agent.restartPending && second.policy.programmed.isEmpty)
        let loops = AgentLoops(agent: second.agent, speaker: second.speaker, store: store, dataplane: dataplane,
                               restartDeadline: .seconds(60))
        let group = ServiceGroup(configuration: .init(services: [loops], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(120)   // "at once", but the whole suite may share 2 cores
        while second.policy.programmed.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(second.policy.programmed.count == 1)
        #expect(await !second.agent.restartPending)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(second.speaker.shutdownCall?.preserveForwarding == false)
        #expect(second.speaker.shutdownCall?.message == "routed agent stopping")
    }

    @Test("a policy stored by one agent is applied by every agent sharing the datastore")
    func policyAcrossAgents() async throws {
        let store = InMemoryDatastore()
        let one = try await Self.rig(store: store, hostname: "node-1")
        let two = try await Self.rig(store: store, hostname: "node-2")
        _ = try await one.agent.createNetwork("lamp")
        _ = try await one.agent.createNetwork("lnmp")
        let p = try await one.agent.addPolicy(AddPolicyRequest(action: "deny", from: "lamp", to: "lnmp"))
        #expect(p.id == "1")
        await two.agent.datastoreChanged(.policy(1))
        let lamp = NetworkID(deriving: NetworkName(rawValue: "lamp")!), lnmp = NetworkID(deriving: NetworkName(rawValue: "lnmp")!)
        for rs in [one.policy.last, two.policy.last] {
            #expect(rs?.verdict(src: lamp, dst: lnmp, proto: .tcp, port: 80) == .policy(PolicyID(rawValue: 1)))
            #expect(rs?.verdict(src: lnmp, dst: lamp, proto: .icmp, port: nil) == .policy(PolicyID(rawValue: 1)))
            #expect(rs?.verdict(src: lamp, dst: lamp, proto: .tcp, port: 80) == .accept)
        }
        #expect(await two.agent.listPolicies().policies.map(\.id) == ["1"])
        let list = try await one.agent.setDefaultPolicy("deny")
        #expect(list.defaultAction == "deny")
        await two.agent.datastoreChanged(.policy(2))
        #expect(two.policy.last?.defaultAction == .deny)
        try await one.agent.deletePolicy("1")
        await two.agent.datastoreChanged(.policy(1))
        #expect(two.policy.last?.policyChains.isEmpty == true)
    }

    /// What the control API answers for each bad request: the kind (→ HTTP status) and the words.
    static let badRequests: [(String, @Sendable (Agent) async throws -> Void, String, Int, String)] = [
        ("unknown network", { a in _ = try await a.addEndpoint(AddEndpointRequest(name: "x", netns: netns, network: "nope")) },
         "unknownNetwork", 404, "routed network create nope"),
        ("unknown endpoint", { a in try await a.deleteEndpoint("ghost") }, "unknownEndpoint", 404, "no endpoint named 'ghost'"),
        ("unknown peer", { a in try await a.deletePeer("192.0.2.99") }, "unknownPeer", 404, "no peer 192.0.2.99"),
        ("peer not an address", { a in try await a.deletePeer("gw") }, "invalidArgument", 400, "not a peer address"),
        ("peer exists", { a in _ = try await a.addPeer("192.0.2.2") }, "alreadyExists", 409, "already exists"),
        ("bad peer spec", { a in _ = try await a.addPeer("192.0.2.5,colour=red") }, "invalidArgument", 400, "unknown option"),
        ("unknown policy", { a in try await a.deletePolicy("42") }, "unknownPolicy", 404, "no policy with id 42"),
        ("policy on unknown network", { a in _ = try await a.addPolicy(AddPolicyRequest(action: "deny", from: "lamp", to: "zzz")) },
         "unknownNetwork", 404, "zzz"),
        ("bad policy action", { a in _ = try await a.addPolicy(AddPolicyRequest(action: "drop", from: "lamp", to: "world")) },
         "invalidArgument", 400, "not allow or deny"),
        ("port without protocol", { a in _ = try await a.addPolicy(AddPolicyRequest(action: "deny", from: "lamp", to: "world", port: "80")) },
         "invalidArgument", 400, "--proto"),
        ("empty container id", { a in _ = try await a.addEndpoint(AddEndpointRequest(name: "x", netns: netns, network: "lamp", containerID: "")) },
         "invalidArgument", 400, "container id"),
        ("network exists", { a in _ = try await a.createNetwork("lamp") }, "alreadyExists", 409, "already exists"),
        ("bad network name", { a in _ = try await a.createNetwork("Lamp!") }, "invalidArgument", 400, "invalid network name"),
        ("pseudo network", { a in _ = try await a.createNetwork("world") }, "invalidArgument", 400, "pseudo-network"),
        ("delete unknown network", { a in try await a.deleteNetwork("zzz") }, "unknownNetwork", 404, "zzz"),
        ("no netns", { a in _ = try await a.addEndpoint(AddEndpointRequest(name: "x", network: "lamp")) }, "invalidArgument", 400, "--netns"),
        ("missing netns", { a in _ = try await a.addEndpoint(AddEndpointRequest(name: "x", netns: "/run/netns/none-such", network: "lamp")) },
         "invalidArgument", 400, "does not exist"),
        ("ip outside pools", { a in _ = try await a.addEndpoint(AddEndpointRequest(name: "x", netns: netns, network: "lamp", ip: "192.168.1.1")) },
         "invalidArgument", 400, "outside every pool"),
        ("bad route prefix", { a in _ = try await a.routes(prefix: "10.0.0.0/33") }, "invalidArgument", 400, "not a CIDR"),
    ]

    @Test("API errors are typed, mapped to a status, and change nothing", arguments: badRequests.indices)
    func apiErrors(_ i: Int) async throws {
        let (name, call, kind, status, words) = Self.badRequests[i]
        let r = try await Self.rig()
        _ = try await r.agent.createNetwork("lamp")
        let callsBefore = r.dataplane.calls
        let endpointsBefore = try await r.store.endpoints()
        do {
            try await call(r.agent)
            Issue.record("\(name): accepted")
        } catch {
            let body = APIErrorBody(error)
            #expect(body.kind == kind, "\(name): \(body)")
            #expect(body.httpStatus == status, "\(name)")
            #expect(body.message.contains(words), "\(name): \(body.message)")
        }
        #expect(r.dataplane.calls == callsBefore, "\(name)")
        #expect(try await r.store.endpoints() == endpointsBefore, "\(name)")
    }

    @Test("routes: learned paths with the network their community names, and our originated blocks")
    func routesListing() async throws {
        let r = try await Self.rig()
        _ = try await r.agent.createNetwork("lamp")
        let lamp = NetworkID(deriving: NetworkName(rawValue: "lamp")!).rawValue
        r.speaker.receive(from: Self.peerAddress, announce: [Self.prefix("10.244.1.0/26")], nextHop: Self.peerAddress,
                          largeCommunities: [LargeCommunity(Self.localAS, 1, lamp)], asPath: [])
        try await Self.handle(r, batches: 1)
        let routes = try await r.agent.routes(prefix: "10.244.1.0/26")
        #expect(routes.count == 1)
        #expect(routes.first?.network == "lamp" && routes.first?.best == true && routes.first?.nextHops == ["192.0.2.2"])
        #expect(routes.first?.largeCommunities == ["64512:1:\(lamp)"] && routes.first?.reason == "only path")
        #expect(try await r.agent.routes(prefix: "10.244.9.0/26").isEmpty)
    }

    @Test("status and health report the agent")
    func statusAndHealth() async throws {
        let r = try await Self.rig()
        _ = try await r.agent.createNetwork("lamp")
        _ = try await r.agent.addEndpoint(AddEndpointRequest(name: "a", netns: Self.netns, network: "lamp"))
        #expect(await r.agent.health().healthy)
        let s = try await r.agent.status()
        #expect(s.localAS == Self.localAS && s.routerID == "192.0.2.1" && s.hostname == "node-1")
        #expect(s.blocks.map(\.cidr) == ["10.244.0.0/26"] && s.blocks[0].allocated == 1 && s.blocks[0].advertised)
        #expect(s.peers.map(\.address) == ["192.0.2.2"] && s.peers[0].type == "ibgp" && s.peers[0].importPolicy == "pool")
        #expect(s.endpoints == 1 && s.networks == 1)
        await r.agent.refreshMetrics()
        let text = r.agent.metrics.text()
        #expect(text.contains("routed_endpoints 1"))
        #expect(text.contains("routed_bgp_peer_up{peer=\"192.0.2.2\"} 0"))
        #expect(text.contains("routed_endpoint_add_seconds_count 1"))
        #expect(text.contains("routed_ipam_addresses_allocated{pool=\"10.244.0.0_16\"} 1"))
    }
}
