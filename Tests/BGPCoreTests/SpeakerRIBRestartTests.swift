import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// Graceful restart (RFC 4724) and route refresh (RFC 2918, RFC 7313) in the speaker's RIB.
@Suite struct SpeakerRIBRestartTests {
    static let me = SpeakerIdentity(localAS: 64512, routerID: IPv4Address(10, 0, 0, 1))
    static let peer = IPAddress("10.1.0.2")!
    static let gr = GracefulRestartCapability(restartTime: 120, families: [.init(family: .ipv4Unicast, forwardingPreserved: true)])

    static func session(_ gr: GracefulRestartCapability? = gr, enhanced: Bool = false) -> EstablishedPeer {
        EstablishedPeer(routerID: IPv4Address(10, 0, 0, 2), families: [.ipv4Unicast], nextHopSelfV4: IPAddress("10.1.0.1"),
                        nextHopSelfV6: nil, enhancedRouteRefresh: enhanced, gracefulRestart: gr)
    }

    static func group(_ prefixes: [String]) -> [RouteGroup] {
        let a = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(.empty)), PathAttribute(.nextHop(IPv4Address(10, 1, 0, 2))),
                                PathAttribute(.localPref(100))])
        return [RouteGroup(attributes: RouteAttributes(attributes: a, nextHop: IPAddress("10.1.0.2")), prefixes: prefixes.map { IPPrefix($0)! })]
    }

    /// A RIB with the peer Established and two routes from it.
    static func ribWithTwoRoutes() -> SpeakerRIB {
        var rib = SpeakerRIB(identity: me)
        _ = rib.setPeer(RIBPeerSettings(address: peer, asn: 64512, isExternal: false, importPolicy: .all, exportPolicy: .all))
        _ = rib.sessionEstablished(peer, session())
        _ = rib.received(withdrawn: [], announced: group(["10.244.1.0/26", "10.244.2.0/26"]), from: peer)
        return rib
    }

    /// The peer restarts within its restart time: nothing leaves the Loc-RIB while it is away; after
    /// its End-of-RIB, only what it did not announce again goes.
    @Test func peerRestartsWithinTheRestartTime() {
        var rib = Self.ribWithTwoRoutes()
        let down = rib.sessionDown(Self.peer, keepStale: true)
        #expect(down.changes.isEmpty)
        #expect(down.timers == [.startStale(peer: Self.peer, seconds: 120)])
        #expect(rib.routes().allSatisfy { $0.path.stale })
        _ = rib.sessionEstablished(Self.peer, Self.session())
        let again = rib.received(withdrawn: [], announced: Self.group(["10.244.1.0/26"]), from: Self.peer)
        #expect(again.changes.isEmpty, "the same route again changes nothing")
        let eor = rib.endOfRIB(.ipv4Unicast, from: Self.peer)
        #expect(eor.changes == [RIBChange(prefix: IPPrefix("10.244.2.0/26")!, best: nil)])
        #expect(eor.timers.contains(.stopStale(peer: Self.peer)))
        #expect(rib.routes().map(\.path.stale) == [false])
    }

    /// The peer does not come back within its restart time: its routes go when the timer fires.
    @Test func peerStaysAwayBeyondTheRestartTime() {
        var rib = Self.ribWithTwoRoutes()
        _ = rib.sessionDown(Self.peer, keepStale: true)
        let expired = rib.staleTimerExpired(Self.peer)
        #expect(expired.changes.count == 2 && expired.changes.allSatisfy { $0.best == nil })
        #expect(rib.routes().isEmpty)
    }

    /// Back without the Forwarding State bit: it did not keep forwarding, so the stale routes go at once.
    @Test func peerBackWithoutForwardingStateLosesStaleRoutes() {
        var rib = Self.ribWithTwoRoutes()
        _ = rib.sessionDown(Self.peer, keepStale: true)
        let up = rib.sessionEstablished(Self.peer, Self.session(GracefulRestartCapability(restartTime: 120, families: [])))
        #expect(up.changes.count == 2)
    }

    /// Without graceful restart the routes go when the session does.
    @Test func noGracefulRestartFlushes() {
        var rib = Self.ribWithTwoRoutes()
        let down = rib.sessionDown(Self.peer, keepStale: false)
        #expect(down.changes.count == 2)
    }

    /// RFC 7313: a refresh request is answered with BoRR, the Adj-RIB-Out, EoRR.
    @Test func enhancedRouteRefreshIsAnsweredBetweenMarkers() {
        var rib = SpeakerRIB(identity: Self.me)
        _ = rib.setPeer(RIBPeerSettings(address: Self.peer, asn: 64512, isExternal: false, importPolicy: .all, exportPolicy: .all))
        _ = rib.originate([LocalRoute(prefix: IPPrefix("10.244.9.0/26")!)])
        _ = rib.sessionEstablished(Self.peer, Self.session(enhanced: true))
        let out = rib.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast), from: Self.peer)
        let messages = out.messages[Self.peer] ?? []
        guard messages.count == 3, case .routeRefresh(let borr) = messages[0], case .update(let u) = messages[1],
              case .routeRefresh(let eorr) = messages[2] else { Issue.record("got \(messages)"); return }
        #expect(borr.subtype == .beginningOfRouteRefresh && eorr.subtype == .endOfRouteRefresh)
        #expect(u.announcedCount == 1)
    }

    /// The peer's own BoRR/EoRR: what it does not send again between them is gone after.
    @Test func peerRefreshSweepsWhatItDidNotResend() {
        var rib = Self.ribWithTwoRoutes()
        _ = rib.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast, subtype: .beginningOfRouteRefresh), from: Self.peer)
        _ = rib.received(withdrawn: [], announced: Self.group(["10.244.2.0/26"]), from: Self.peer)
        let end = rib.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast, subtype: .endOfRouteRefresh), from: Self.peer)
        #expect(end.changes == [RIBChange(prefix: IPPrefix("10.244.1.0/26")!, best: nil)])
        // A refresh of the other family leaves this one's routes alone.
        _ = rib.routeRefresh(RouteRefreshMessage(family: .ipv6Unicast, subtype: .beginningOfRouteRefresh), from: Self.peer)
        let v6 = rib.routeRefresh(RouteRefreshMessage(family: .ipv6Unicast, subtype: .endOfRouteRefresh), from: Self.peer)
        #expect(v6.changes.isEmpty)
        #expect(rib.routes().map { "\($0.path.prefix)" } == ["10.244.2.0/26"])
    }
}
