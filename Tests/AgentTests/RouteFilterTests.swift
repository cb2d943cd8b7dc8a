import Agent
import BGPCore
import BGPSpeaker
import BGPWire
import Foundation
import IPAddressing
import IPAM
import Testing
import TestScheduling

/// The route policies `import=`/`export=` name, and the per-peer RIB the adapter keeps.
@Suite("Route policies and PeerRIB", .blockingWork)
struct RouteFilterTests {
    static let pools = [try! Pool(name: "p", cidr: "10.244.0.0/16", blockLength: 26)]
    static let own: Set<IPPrefix> = [IPPrefix("10.244.0.0/26")!]
    static let named = ["core": [try! PrefixMatch(parsing: "0.0.0.0/0"), try! PrefixMatch(parsing: "198.51.100.0/24 ge 25 le 28")]]

    /// (policy, prefix, accepted)
    static let cases: [(String, String, Bool)] = [
        ("all", "192.0.2.0/24", true),
        ("none", "10.244.0.0/26", false),
        ("default-route", "0.0.0.0/0", true),
        ("default-route", "0.0.0.0/1", false),
        ("pool", "10.244.1.0/26", true),          // a block of the pool
        ("pool", "10.244.1.0/25", false),         // inside, but not a block
        ("pool", "10.244.1.0/27", false),
        ("pool", "10.245.0.0/26", false),         // outside the pool
        ("pool", "0.0.0.0/0", false),
        ("blocks", "10.244.0.0/26", true),        // ours
        ("blocks", "10.244.1.0/26", false),       // someone else's
        ("aggregates", "10.244.0.0/16", true),
        ("aggregates", "10.244.0.0/26", false),
        ("core", "0.0.0.0/0", true),
        ("core", "198.51.100.0/24", false),       // ge 25
        ("core", "198.51.100.128/25", true),
        ("core", "198.51.100.16/28", true),
        ("core", "198.51.100.16/29", false),      // le 28
    ]

    @Test("built-in and named route policies", arguments: cases)
    func filter(_ name: String, _ prefix: String, _ accepted: Bool) throws {
        let f = try #require(RouteFilter(name: name, named: Self.named))
        #expect(f.accepts(IPPrefix(prefix)!, pools: Self.pools, ownBlocks: Self.own) == accepted)
    }

    @Test("unknown policy names are nil", arguments: ["", "All", "mine"])
    func unknown(_ name: String) { #expect(RouteFilter(name: name, named: Self.named) == nil) }

    static let peer = IPAddress("192.0.2.2")!

    func rib() throws -> PeerRIB {
        var r = PeerRIB(localAS: 64512, routerID: IPv4Address("192.0.2.1")!, pools: Self.pools)
        try r.addPeer(AgentPeer(parsing: "192.0.2.2", localAS: 64512), at: Date())
        return r
    }

    func routes(_ prefixes: [String]) -> [ReceivedRoute] {
        prefixes.map { ReceivedRoute(prefix: IPPrefix($0)!, nextHop: Self.peer,
                                     attributes: PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath()))])) }
    }

    @Test("graceful restart (RFC 4724 4.2): routes stay stale across the session loss; End-of-RIB sweeps what was not re-announced")
    func gracefulRestart() throws {
        var r = try rib()
        let first = r.learn(from: Self.peer, announced: routes(["10.244.1.0/26", "10.244.2.0/26"]), withdrawn: [])
        #expect(first.map(\.prefix.description) == ["10.244.1.0/26", "10.244.2.0/26"])
        #expect(r.sessionDown(Self.peer, reason: "TCP connection failed", keepsRoutes: true).isEmpty)
        #expect(r.rib.routes.count == 2)
        #expect(r.routeInfos(prefix: nil, networkNames: [:]).allSatisfy { $0.best })
        r.stateChanged(Self.peer, to: "Established", reason: "KEEPALIVE received", at: Date())
        #expect(!r.converged)
        // The same path again: the best does not change (no churn for the FIB), it is just no longer stale.
        #expect(r.learn(from: Self.peer, announced: routes(["10.244.1.0/26"]), withdrawn: []).isEmpty)
        let swept = r.endOfRIB(Self.peer)
        #expect(swept.map(\.prefix.description) == ["10.244.2.0/26"] && swept[0].best == nil)
        #expect(r.converged)
        #expect(r.peerInfos(advertised: [:])[0].lastError == "TCP connection failed")
    }

    @Test("a session lost without graceful restart takes its routes; a refused re-announcement withdraws the old path")
    func hardLoss() throws {
        var r = try rib()
        _ = r.learn(from: Self.peer, announced: routes(["10.244.1.0/26"]), withdrawn: [])
        // The same prefix again, now outside the import policy's reach? Blocks only: a /25 is refused.
        #expect(r.learn(from: Self.peer, announced: routes(["10.244.4.0/25"]), withdrawn: []).isEmpty)
        #expect(r.peerInfos(advertised: [:])[0].prefixesReceived == 2)
        #expect(r.peerInfos(advertised: [:])[0].prefixesAccepted == 1)
        let gone = r.sessionDown(Self.peer, reason: "hold timer expired", keepsRoutes: false)
        #expect(gone.map(\.prefix.description) == ["10.244.1.0/26"] && gone[0].best == nil)
        #expect(throws: RoutingError.unknownPeer(IPAddress("192.0.2.9")!)) { _ = try r.removePeer(IPAddress("192.0.2.9")!) }
    }
}
