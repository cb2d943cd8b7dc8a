import Testing
import TestScheduling
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import BGPCore
import BGPSpeaker
import BGPWire
import IPAddressing

/// The Loc-RIB of each speaker as its `ribChanges` stream tells it, replayed into a table.
final class RIBWatcher: Sendable {
    private let table = NIOLockedValueBox<[IPPrefix: SelectedRoute]>([:])
    private let batches = NIOLockedValueBox(0)
    private let task: Task<Void, Never>

    init(_ speaker: BGPSpeaker) {
        let table = self.table, batches = self.batches
        task = Task {
            for await batch in speaker.ribChanges {
                table.withLockedValue { t in for c in batch { t[c.prefix] = c.best } }
                batches.withLockedValue { $0 += 1 }
            }
        }
    }

    func best(_ prefix: String) -> SelectedRoute? { table.withLockedValue { $0[IPPrefix(prefix)!] } }

    /// Waits (at most `seconds`) until `prefix` has a best route (or, with `present: false`, none).
    func wait(_ prefix: String, present: Bool = true, within seconds: Int = 15) async -> SelectedRoute? {
        for _ in 0..<(seconds * 20) {
            let best = self.best(prefix)
            if (best != nil) == present { return best }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return self.best(prefix)
    }

    deinit { task.cancel() }
}

/// Three real speakers over loopback TCP, the middle one passing routes between the others:
///
///     left (AS 65001, 127.0.0.1) —eBGP— middle (AS 64512, 127.0.0.2) —iBGP— right (AS 64512, 127.0.0.3)
@Suite(.blockingWork, .serialized) struct RIBPropagationTests {
    static func port(_ offset: Int) -> Int { LoopbackSpeakerTests.port(offset) }

    struct Line {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let left: BGPSpeaker, middle: BGPSpeaker, right: BGPSpeaker

        init(port: Int) throws {
            var quiet = Logger(label: "test")
            quiet.logLevel = ProcessInfo.processInfo.environment["ROUTED_TEST_DEBUG"] != nil ? .info : .critical
            middle = BGPSpeaker(configuration: SpeakerConfiguration(
                localAS: 64512, routerID: IPv4Address(10, 0, 0, 2), listenAddress: IPAddress("127.0.0.2"), listenPort: port,
                peers: [try PeerSpec(parsing: "127.0.0.1,as=65001,passive,hold=9,import=all,export=all,next-hop=192.0.2.2"),
                        try PeerSpec(parsing: "127.0.0.3,passive,hold=9,next-hop=192.0.2.2")]),
                group: group, logger: quiet)
            left = BGPSpeaker(configuration: SpeakerConfiguration(
                localAS: 65001, routerID: IPv4Address(10, 0, 0, 1),
                peers: [try PeerSpec(parsing: "127.0.0.2,as=64512,port=\(port),local=127.0.0.1,hold=9,connect-retry=1,import=all,export=all,next-hop=192.0.2.1")]),
                group: group, logger: quiet)
            right = BGPSpeaker(configuration: SpeakerConfiguration(
                localAS: 64512, routerID: IPv4Address(10, 0, 0, 3),
                peers: [try PeerSpec(parsing: "127.0.0.2,port=\(port),local=127.0.0.3,hold=9,connect-retry=1,next-hop=192.0.2.3")]),
                group: group, logger: quiet)
        }

        func start() async throws {
            try await middle.start()
            try await left.start()
            try await right.start()
        }

        func stop() async {
            for s in [left, middle, right] { await s.shutdown(message: "test over") }
            try? await group.shutdownGracefully()
        }
    }

    @Test func routesCrossTheMiddleSpeakerAndTheRIBStreamReportsThem() async throws {
        let line = try Line(port: Self.port(6))
        let (atLeft, atMiddle, atRight) = (RIBWatcher(line.left), RIBWatcher(line.middle), RIBWatcher(line.right))
        line.left.originate([OriginatedRoute(prefix: IPPrefix("10.244.1.0/26")!, largeCommunities: [LargeCommunity(65001, 1, 7)])])
        line.right.originate([OriginatedRoute(prefix: IPPrefix("10.244.3.0/26")!)])
        try await line.start()

        // Left's route: in the middle by eBGP, then at the right by iBGP, next hop and path unchanged.
        let middleBest = await atMiddle.wait("10.244.1.0/26")
        #expect(middleBest?.peer.address == IPAddress("127.0.0.1"))
        #expect(middleBest?.reason == .onlyPath)
        let rightBest = await atRight.wait("10.244.1.0/26")
        #expect(rightBest?.attributes.attributes.asPath == ASPath(sequence: [65001]))
        #expect(rightBest?.attributes.nextHop == IPAddress("192.0.2.1"))
        #expect(rightBest?.attributes.attributes.localPref == 100)
        #expect(rightBest?.attributes.attributes.largeCommunities == [LargeCommunity(65001, 1, 7)])
        // Right's route at the left: the middle's AS prepended, the middle as next hop.
        let leftBest = await atLeft.wait("10.244.3.0/26")
        #expect(leftBest?.attributes.attributes.asPath == ASPath(sequence: [64512]))
        #expect(leftBest?.attributes.nextHop == IPAddress("192.0.2.2"))
        // Its own route, as the local pseudo-peer's.
        #expect(atLeft.best("10.244.1.0/26")?.peer.isLocal == true)

        // `routed routes` and `routed status` at the middle.
        let routes = await line.middle.routes(prefix: IPPrefix("10.244.1.0/26")!)
        #expect(routes.count == 1 && routes.first?.isBest == true && routes.first?.reason == .onlyPath)
        let status = await line.middle.status()
        let left = status.first { $0.address == IPAddress("127.0.0.1") }, right = status.first { $0.address == IPAddress("127.0.0.3") }
        #expect(left?.type == .external && left?.received == 1 && left?.accepted == 1 && left?.advertised == 1)
        #expect(right?.type == .internal && right?.accepted == 1 && right?.advertised == 1)

        // A withdrawal crosses too.
        line.left.originate([])
        #expect(await atRight.wait("10.244.1.0/26", present: false) == nil)
        #expect(await atMiddle.wait("10.244.1.0/26", present: false) == nil)
        await line.stop()
    }

    /// Peers added and removed at run time: a removed peer's routes leave everyone's RIB; added
    /// back, it comes up and its routes return.
    @Test func peersAddedAndRemovedAtRunTime() async throws {
        let line = try Line(port: Self.port(7))
        let atRight = RIBWatcher(line.right)
        line.left.originate([OriginatedRoute(prefix: IPPrefix("10.244.1.0/26")!)])
        try await line.start()
        #expect(await atRight.wait("10.244.1.0/26") != nil)

        try await line.middle.removePeer(IPAddress("127.0.0.1")!)
        #expect(await atRight.wait("10.244.1.0/26", present: false) == nil)
        #expect(await line.middle.status().count == 1)

        try await line.middle.addPeer(try PeerSpec(parsing: "127.0.0.1,as=65001,passive,hold=9,import=all,export=all,next-hop=192.0.2.2"))
        #expect(await atRight.wait("10.244.1.0/26", within: 30) != nil)
        await #expect(throws: SpeakerConfigurationError.self) {
            try await line.middle.addPeer(try PeerSpec(parsing: "127.0.0.9,import=nonsense"))
        }
        await line.stop()
    }

    /// An unknown policy name is refused before anything starts, naming the known ones.
    @Test func unknownPolicyNameIsAConfigurationError() async throws {
        let config = SpeakerConfiguration(localAS: 64512, routerID: IPv4Address(10, 0, 0, 1),
                                          peers: [try PeerSpec(parsing: "192.0.2.1,as=65000,import=pool")])
        #expect(throws: SpeakerConfigurationError.unknownPolicy(peer: IPAddress("192.0.2.1")!, direction: "import", name: "pool",
                                                                known: ["all", "default-route", "none"])) {
            try config.validate()
        }
        var registered = config
        registered.policies["pool"] = .within("pool", pools: [IPPrefix("10.244.0.0/16")!])
        #expect(throws: Never.self) { try registered.validate() }
        var external = registered
        external.peers = [try PeerSpec(parsing: "192.0.2.1,as=65000,rr-client")]
        #expect(throws: SpeakerConfigurationError.externalReflectorClient(IPAddress("192.0.2.1")!)) { try external.validate() }
    }
}

extension RIBPropagationTests {
    /// A new import policy at run time: the middle asks the left for its routes again
    /// (ROUTE-REFRESH; the left answers between BoRR and EoRR, RFC 7313) and applies the new policy.
    @Test func importPolicyChangeRefreshesTheRoutes() async throws {
        let line = try Line(port: Self.port(8))
        let atMiddle = RIBWatcher(line.middle)
        line.left.originate([OriginatedRoute(prefix: IPPrefix("10.244.1.0/26")!)])
        try await line.start()
        #expect(await atMiddle.wait("10.244.1.0/26") != nil)
        let left = IPAddress("127.0.0.1")!

        try await line.middle.setPolicies(of: left, import: "none", export: "all")
        #expect(await atMiddle.wait("10.244.1.0/26", present: false) == nil, "import none did not remove the route")
        try await line.middle.setPolicies(of: left, import: "all", export: "all")
        #expect(await atMiddle.wait("10.244.1.0/26") != nil, "the route did not come back after the refresh")
        // Still the same session: a refresh, not a reset.
        #expect(await line.middle.status().first { $0.address == left }?.state == "Established")
        await line.stop()
    }
}

/// Graceful restart between two real speakers: a shutdown that preserves forwarding closes without
/// a NOTIFICATION, so the peer keeps the routes (stale) for the advertised restart time, then drops them.
@Suite(.blockingWork, .serialized) struct GracefulRestartLoopbackTests {
    /// Long enough that a test task starved by the rest of a parallel suite (the full suite runs
    /// every test at once on two cores, many of them blocking in namespaces) still looks before the
    /// restart time runs out: with 20 s the stale path was sometimes already timed out when looked at.
    static let restartTime: UInt16 = 45

    @Test func preservedForwardingKeepsRoutesUntilTheRestartTimeRunsOut() async throws {
        let port = LoopbackSpeakerTests.port(9)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let gr = GracefulRestartCapability(restartTime: Self.restartTime, families: [.init(family: .ipv4Unicast, forwardingPreserved: true)])
        let receiver = BGPSpeaker(configuration: SpeakerConfiguration(
            localAS: 64512, routerID: IPv4Address(10, 0, 0, 1), listenAddress: IPAddress("127.0.0.1"), listenPort: port,
            peers: [try PeerSpec(parsing: "127.0.0.2,as=65000,passive,hold=60,import=all")], gracefulRestart: gr), group: group, logger: quiet)
        let restarter = BGPSpeaker(configuration: SpeakerConfiguration(
            localAS: 65000, routerID: IPv4Address(10, 0, 0, 2),
            peers: [try PeerSpec(parsing: "127.0.0.1,as=64512,port=\(port),local=127.0.0.2,hold=60,connect-retry=1,export=all,next-hop=192.0.2.2")],
            gracefulRestart: gr), group: group, logger: quiet)
        let rib = RIBWatcher(receiver)
        restarter.originate([OriginatedRoute(prefix: IPPrefix("10.244.2.0/26")!)])
        try await receiver.start()
        try await restarter.start()
        #expect(await rib.wait("10.244.2.0/26") != nil)

        let closed = ContinuousClock.now
        await restarter.shutdown(preserveForwarding: true)
        let down = await LoopbackSpeakerTests.next(receiver.events, within: 10) { if case .sessionDown = $0 { true } else { false } }
        guard case .sessionDown(_, _, let keeps)? = down else { Issue.record("the session did not go down"); await receiver.shutdown(); return }
        #expect(keeps, "no NOTIFICATION was sent, so the receiver keeps the routes")
        // The RIB loop marks the path stale right after the session event; allow it a moment.
        var kept: [RIBRoute] = []
        for _ in 0..<40 {
            kept = await receiver.routes(prefix: IPPrefix("10.244.2.0/26")!)
            if kept.first?.path.stale == true { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let lookedAfter = closed.duration(to: .now)
        #expect(kept.count == 1 && kept.first?.path.stale == true,
                "paths \(lookedAfter) after the session went down (restart time \(Self.restartTime) s): \(kept)")
        // The restart time runs out: the stale route goes.
        #expect(await rib.wait("10.244.2.0/26", present: false, within: Int(Self.restartTime) * 2) == nil)
        await receiver.shutdown()
        try? await group.shutdownGracefully()
    }
}
