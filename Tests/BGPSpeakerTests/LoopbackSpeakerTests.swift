import Testing
import TestScheduling
import Foundation
import Logging
import NIOPosix
import BGPSpeaker
import BGPWire
import IPAddressing

/// Two real speakers over TCP on loopback (127.0.0.1 and 127.0.0.2): sessions, routes both ways,
/// withdrawals, TCP MD5 and a clean shutdown. No namespace needed; nothing leaves loopback.
/// A loopback address is no valid NEXT_HOP (RFC 4271 section 6.3), so each side announces a
/// documentation address as its next hop.
@Suite(.blockingWork, .serialized) struct LoopbackSpeakerTests {
    static let a = IPAddress("127.0.0.1")!
    static let b = IPAddress("127.0.0.2")!

    /// A per-run port in 41000-59999, away from the etcd fixture's 20000-40001.
    /// Ten ports per test process (offsets 0...9), so concurrent runs do not collide.
    static func port(_ offset: Int) -> Int { 41_000 + Int(getpid() % 2_000) * 10 + offset }

    struct Pair {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let left: BGPSpeaker
        let right: BGPSpeaker

        init(port: Int, leftPassword: String? = nil, rightPassword: String? = nil, hold: UInt16 = 9) throws {
            var toRight = try PeerSpec(parsing: "127.0.0.2,as=65000,passive,hold=\(hold),next-hop=192.0.2.1")
            toRight.password = leftPassword
            var toLeft = try PeerSpec(parsing: "127.0.0.1,as=64512,port=\(port),local=127.0.0.2,hold=\(hold),connect-retry=1,next-hop=192.0.2.2")
            toLeft.password = rightPassword
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            toRight.importPolicy = "all"
            toRight.exportPolicy = "all"
            toLeft.importPolicy = "all"
            toLeft.exportPolicy = "all"
            left = BGPSpeaker(configuration: SpeakerConfiguration(localAS: 64512, routerID: IPv4Address(10, 0, 0, 1),
                                                                  listenAddress: LoopbackSpeakerTests.a, listenPort: port, peers: [toRight],
                                                                  reportReceivedRoutes: true),
                              group: group, logger: quiet)
            right = BGPSpeaker(configuration: SpeakerConfiguration(localAS: 65000, routerID: IPv4Address(10, 0, 0, 2), peers: [toLeft],
                                                                   reportReceivedRoutes: true),
                               group: group, logger: quiet)
        }

        func stop() async {
            await left.shutdown(message: "test over")
            await right.shutdown(message: "test over")
            try? await group.shutdownGracefully()
        }
    }

    /// Waits (bounded) for an event matching `predicate`.
    static func next(_ events: AsyncStream<SpeakerEvent>, within seconds: Int, _ predicate: @escaping @Sendable (SpeakerEvent) -> Bool) async -> SpeakerEvent? {
        await withTaskGroup(of: SpeakerEvent?.self) { tasks in
            tasks.addTask {
                for await e in events {
                    if ProcessInfo.processInfo.environment["ROUTED_TEST_DEBUG"] != nil { print("event: \(e)") }
                    if predicate(e) { return e }
                }
                return nil
            }
            tasks.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = await tasks.next() ?? nil
            tasks.cancelAll()
            return first
        }
    }

    @Test func sessionsComeUpAndRoutesFlowBothWays() async throws {
        let pair = try Pair(port: Self.port(1))
        pair.left.originate([OriginatedRoute(prefix: IPPrefix("10.244.1.0/26")!, largeCommunities: [LargeCommunity(64512, 1, 7)])])
        pair.right.originate([OriginatedRoute(prefix: IPPrefix("10.244.2.0/26")!, communities: [Community(asn: 65000, value: 42)])])
        try await pair.left.start()
        try await pair.right.start()

        let learned = await Self.next(pair.right.events, within: 15) {
            if case .routes(_, let announced, _) = $0 { !announced.isEmpty } else { false }
        }
        guard case .routes(let peer, let announced, _)? = learned else { Issue.record("no routes at the right"); await pair.stop(); return }
        #expect(peer == Self.a)
        #expect(announced.map(\.prefix) == [IPPrefix("10.244.1.0/26")!])
        #expect(announced.first?.attributes.asPath == ASPath(sequence: [64512]))  // eBGP: the sender's AS prepended
        #expect(announced.first?.nextHop == IPAddress("192.0.2.1"))            // the configured next hop
        #expect(announced.first?.attributes.largeCommunities == [LargeCommunity(64512, 1, 7)])

        let back = await Self.next(pair.left.events, within: 10) {
            if case .routes(_, let announced, _) = $0 { !announced.isEmpty } else { false }
        }
        guard case .routes(_, let fromRight, _)? = back else { Issue.record("no routes at the left"); await pair.stop(); return }
        #expect(fromRight.first?.attributes.communities == [Community(asn: 65000, value: 42)])

        // Withdrawal: the left stops originating; the right's Adj-RIB-In empties.
        pair.left.originate([])
        let gone = await Self.next(pair.right.events, within: 10) {
            if case .routes(_, _, let withdrawn) = $0 { !withdrawn.isEmpty } else { false }
        }
        guard case .routes(_, _, let withdrawn)? = gone else { Issue.record("no withdrawal"); await pair.stop(); return }
        #expect(withdrawn == [IPPrefix("10.244.1.0/26")!])
        // The Loc-RIB takes the withdrawal on its own loop, just after the event.
        var left = try await pair.right.receivedRoutes(from: Self.a)
        for _ in 0..<50 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            left = try await pair.right.receivedRoutes(from: Self.a)
        }
        #expect(left.isEmpty)
        let status = await pair.left.status()
        #expect(status.first?.state == "Established" && status.first?.received == 1)

        // A clean shutdown tells the peer why (RFC 9003).
        await pair.left.shutdown(message: "maintenance")
        let down = await Self.next(pair.right.events, within: 10) { if case .sessionDown = $0 { true } else { false } }
        guard case .sessionDown(_, let reason, _)? = down else { Issue.record("no session down"); await pair.stop(); return }
        #expect(reason.contains("maintenance"))
        await pair.stop()
    }

    @Test func md5WithTheSamePasswordEstablishes() async throws {
        let pair = try Pair(port: Self.port(2), leftPassword: "s3cret", rightPassword: "s3cret")
        try await pair.left.start()
        try await pair.right.start()
        let up = await Self.next(pair.right.events, within: 15) { if case .established = $0 { true } else { false } }
        #expect(up != nil)
        await pair.stop()
    }

    @Test func md5WithAWrongPasswordNeverEstablishes() async throws {
        let pair = try Pair(port: Self.port(3), leftPassword: "s3cret", rightPassword: "wrong")
        try await pair.left.start()
        try await pair.right.start()
        // The kernel drops segments with a bad signature: no TCP connection, so no session.
        let up = await Self.next(pair.right.events, within: 6) { if case .established = $0 { true } else { false } }
        #expect(up == nil)
        let status = await pair.right.status()
        #expect(status.first?.state != "Established")
        await pair.stop()
    }

    /// Both speakers listen and connect at once: RFC 4271 section 6.8 leaves one session, which stays up.
    @Test func collidingConnectionsResolveToOneSession() async throws {
        let port = Self.port(4)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var quiet = Logger(label: "test")
        quiet.logLevel = ProcessInfo.processInfo.environment["ROUTED_TEST_DEBUG"] != nil ? .info : .critical
        let left = BGPSpeaker(configuration: SpeakerConfiguration(
            localAS: 64512, routerID: IPv4Address(10, 0, 0, 1), listenAddress: Self.a, listenPort: port,
            peers: [try PeerSpec(parsing: "127.0.0.2,as=64512,port=\(port),local=127.0.0.1,hold=9,connect-retry=1,next-hop=192.0.2.1")],
            reportReceivedRoutes: true),
            group: group, logger: quiet)
        let right = BGPSpeaker(configuration: SpeakerConfiguration(
            localAS: 64512, routerID: IPv4Address(10, 0, 0, 2), listenAddress: Self.b, listenPort: port,
            peers: [try PeerSpec(parsing: "127.0.0.1,as=64512,port=\(port),local=127.0.0.2,hold=9,connect-retry=1,next-hop=192.0.2.2")],
            reportReceivedRoutes: true),
            group: group, logger: quiet)
        left.originate([OriginatedRoute(prefix: IPPrefix("10.244.1.0/26")!)])
        async let l: Void = left.start()
        async let r: Void = right.start()
        _ = try await (l, r)
        let routes = await Self.next(right.events, within: 20) {
            if case .routes(_, let announced, _) = $0 { !announced.isEmpty } else { false }
        }
        #expect(routes != nil, "iBGP session with colliding connections never delivered routes")
        // Stable: still one Established session a few seconds later, on both sides.
        try await Task.sleep(for: .seconds(3))
        #expect(await left.status().map(\.state) == ["Established"])
        #expect(await right.status().map(\.state) == ["Established"])
        await left.shutdown()
        await right.shutdown()
        try await group.shutdownGracefully()
    }

    /// A peer that sends more prefixes than allowed is told so (Cease 6/1) and the session ends.
    @Test func maximumPrefixEndsTheSession() async throws {
        let port = Self.port(5)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let left = BGPSpeaker(configuration: SpeakerConfiguration(
            localAS: 64512, routerID: IPv4Address(10, 0, 0, 1), listenAddress: Self.a, listenPort: port,
            peers: [try PeerSpec(parsing: "127.0.0.2,as=65000,passive,max-prefix=2,max-prefix-restart=60,import=all")]), group: group, logger: quiet)
        let right = BGPSpeaker(configuration: SpeakerConfiguration(
            localAS: 65000, routerID: IPv4Address(10, 0, 0, 2),
            peers: [try PeerSpec(parsing: "127.0.0.1,as=64512,port=\(port),local=127.0.0.2,connect-retry=1,next-hop=192.0.2.2,export=all")]),
            group: group, logger: quiet)
        right.originate((1...3).map { OriginatedRoute(prefix: IPPrefix("10.244.\($0).0/26")!) })
        try await left.start()
        try await right.start()
        let down = await Self.next(right.events, within: 15) { if case .sessionDown = $0 { true } else { false } }
        guard case .sessionDown(_, let reason, _)? = down else { Issue.record("the session did not end"); await left.shutdown(); await right.shutdown(); return }
        #expect(reason.contains("Cease subcode 1"))
        #expect(await left.status().first?.lastError?.contains("more than 2") == true)
        await left.shutdown()
        await right.shutdown()
        try await group.shutdownGracefully()
    }
}
