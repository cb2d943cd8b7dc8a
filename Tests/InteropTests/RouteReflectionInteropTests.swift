import Testing
import TestScheduling
import Foundation
import InteropLab

/// Three namespaces on one Ethernet segment (a bridge in the hub's namespace), so every next hop is
/// directly connected:
///
///     spoke a: a0 192.0.2.2/24 ─┐
///                               ├─ hub: br0 192.0.2.1/24
///     spoke b: b0 192.0.2.3/24 ─┘
struct Star {
    let lab: NamespaceLab
    let hub: String, a: String, b: String
    static let hubV4 = "192.0.2.1", aV4 = "192.0.2.2", bV4 = "192.0.2.3"

    init(_ name: String) throws {
        lab = try NamespaceLab(name: name)
        hub = try lab.addNamespace("h")
        a = try lab.addNamespace("a")
        b = try lab.addNamespace("b")
        try lab.link(hub, "h0", a, "a0", addresses: ([], ["192.0.2.2/24"]))
        try lab.link(hub, "h1", b, "b0", addresses: ([], ["192.0.2.3/24"]))
        // ip link add br0 type bridge; ip link set h0/h1 master br0; ip addr add 192.0.2.1/24 dev br0
        try lab.run(hub, ["ip", "link", "add", "br0", "type", "bridge"])
        for port in ["h0", "h1"] { try lab.run(hub, ["ip", "link", "set", port, "master", "br0"]) }
        try lab.run(hub, ["ip", "addr", "add", "192.0.2.1/24", "dev", "br0"])
        try lab.run(hub, ["ip", "link", "set", "br0", "up"])
    }
}

/// Route reflection (RFC 4456) between routed and BIRD 2, both ways round.
@Suite(.blockingWork, .serialized, .enabled(if: interopAvailable, interopSkipReason))
struct RouteReflectionInteropTests {
    /// routed reflects: BIRD `a` is its client, BIRD `b` an ordinary iBGP peer. A client's route
    /// reaches the non-client with ORIGINATOR_ID and CLUSTER_LIST; the non-client's reaches the client.
    @Test func birdAsClientsOfRoutedReflector() async throws {
        let star = try Star("rr-srv")
        defer { star.lab.cleanup() }
        let routed = try RoutedSpeakerProcess(lab: star.lab, namespace: star.hub, arguments: [
            "--as", "64512", "--router-id", Star.hubV4, "--listen", Star.hubV4,
            "--peer", "\(Star.aV4),rr-client,passive", "--peer", "\(Star.bV4),passive", "--originate", "10.244.1.0/26",
        ])
        defer { routed.stop() }
        func bird(_ ns: String, _ id: String, _ prefix: String) throws -> BirdRouter {
            try BirdRouter(lab: star.lab, namespace: ns, config: BirdConfig(routerID: id, protocols: [
                .init(name: "routed", localAddress: id, localAS: 64512, neighbor: Star.hubV4, neighborAS: 64512),
            ], staticRoutes: [.init(prefix)]).render(logFile: star.lab.path("bird-\(id).log")))
        }
        let client = try bird(star.a, Star.aV4, "198.51.100.0/24")
        let other = try bird(star.b, Star.bV4, "203.0.113.0/24")
        try await client.waitForState("routed")
        try await other.waitForState("routed")

        // The client's route at the non-client, reflected.
        try await other.waitForRoutes { $0.contains { $0.prefix == "198.51.100.0/24" } }
        let reflected = try other.birdc(["show", "route", "all", "198.51.100.0/24"])
        #expect(reflected.contains("BGP.originator_id: \(Star.aV4)"), "\(reflected)")
        #expect(reflected.contains("BGP.cluster_list: \(Star.hubV4)"), "\(reflected)")
        #expect(reflected.contains("via \(Star.aV4)"), "the reflector keeps the next hop: \(reflected)")
        // The non-client's route at the client, and routed's own at both.
        try await client.waitForRoutes { $0.contains { $0.prefix == "203.0.113.0/24" } }
        #expect(try client.birdc(["show", "route", "all", "203.0.113.0/24"]).contains("BGP.originator_id: \(Star.bV4)"))
        for bird in [client, other] { try await bird.waitForRoutes { $0.contains { $0.prefix == "10.244.1.0/26" } } }
        // routed's Loc-RIB has both, each from its own peer.
        #expect(try await routed.waitForBest("198.51.100.0/24")["peer"] as? String == Star.aV4)
        #expect(try await routed.waitForBest("203.0.113.0/24")["peer"] as? String == Star.bV4)
    }

    /// BIRD reflects: two routed speakers are its clients. One's route reaches the other through
    /// BIRD with BIRD's cluster ID and the originator's router ID.
    @Test func routedAsClientsOfBirdReflector() async throws {
        let star = try Star("rr-cli")
        defer { star.lab.cleanup() }
        let bird = try BirdRouter(lab: star.lab, namespace: star.hub, config: BirdConfig(routerID: Star.hubV4, protocols: [
            .init(name: "clienta", localAddress: Star.hubV4, localAS: 64512, neighbor: Star.aV4, neighborAS: 64512, extra: ["rr client;"]),
            .init(name: "clientb", localAddress: Star.hubV4, localAS: 64512, neighbor: Star.bV4, neighborAS: 64512, extra: ["rr client;"]),
        ]).render(logFile: star.lab.path("bird-rr.log")))
        let left = try RoutedSpeakerProcess(lab: star.lab, namespace: star.a, arguments: [
            "--as", "64512", "--router-id", Star.aV4, "--listen", Star.aV4,
            "--peer", "\(Star.hubV4),connect-retry=2", "--originate", "10.244.1.0/26,large=64512:1:7",
        ], name: "routed-a")
        defer { left.stop() }
        let right = try RoutedSpeakerProcess(lab: star.lab, namespace: star.b, arguments: [
            "--as", "64512", "--router-id", Star.bV4, "--listen", Star.bV4,
            "--peer", "\(Star.hubV4),connect-retry=2", "--originate", "10.244.2.0/26",
        ], name: "routed-b")
        defer { right.stop() }
        try await bird.waitForState("clienta")
        try await bird.waitForState("clientb")

        let atRight = try await right.waitForBest("10.244.1.0/26")
        #expect(atRight["peer"] as? String == Star.hubV4)
        #expect(atRight["next-hop"] as? String == Star.aV4)
        #expect(atRight["originator-id"] as? String == Star.aV4)
        #expect(atRight["cluster-list"] as? [String] == [Star.hubV4])
        let atLeft = try await left.waitForBest("10.244.2.0/26")
        #expect(atLeft["originator-id"] as? String == Star.bV4)
        // Its own route reflected back would carry its own router ID as ORIGINATOR_ID: never accepted.
        #expect(left.bestRoutes()["10.244.1.0/26"]?["peer"] as? String == "local")
    }
}
