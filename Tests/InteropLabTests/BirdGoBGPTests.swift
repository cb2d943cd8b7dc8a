import InteropLab
import Testing
import TestScheduling

/// BIRD (AS 4200000001, 4-octet) and GoBGP (AS 64513) over eBGP on one veth link. GoBGP is passive
/// on port 1790, the way a speaker under test listens on a high port.
@Suite(.blockingWork, .lab(needs: BirdRouter.programs + GoBGPRouter.programs), .timeLimit(.minutes(1)))
struct BirdGoBGPTests {
    @Test func eBGPSessionCarriesRoutesBothWaysAndSurvivesABirdCrash() async throws {
        let lab = try NamespaceLab(name: "bird-gobgp")
        defer { lab.cleanup() }
        let b = try lab.addNamespace("b")
        let g = try lab.addNamespace("g")
        try lab.link(b, "to-g", g, "to-b", addresses: (["10.0.0.1/30", "fd00::1/64"], ["10.0.0.2/30", "fd00::2/64"]))

        let gobgp = try GoBGPRouter(lab: lab, namespace: g, config: GoBGPConfig(
            asn: 64513, routerID: "10.0.0.2", listenPort: 1790,
            neighbors: [.init(address: "10.0.0.1", peerAS: 4_200_000_001, families: [.ipv4Unicast, .ipv6Unicast],
                              holdTime: 9, keepaliveInterval: 3, passive: true)]))
        let bird = try BirdRouter(lab: lab, namespace: b, config: BirdConfig(
            routerID: "10.0.0.1",
            protocols: [.init(name: "gobgp", localAddress: "10.0.0.1", localAS: 4_200_000_001,
                              neighbor: "10.0.0.2", neighborAS: 64513, neighborPort: 1790, holdTime: 9,
                              ipv4: .init(), ipv6: .init(nextHopAddress: "fd00::1"))],
            staticRoutes: [
                .init("198.51.100.0/24", communities: [(64512, 100)], largeCommunities: [(4_200_000_001, 1, 42)]),
                .init("2001:db8:1::/48", largeCommunities: [(4_200_000_001, 2, 43)]),
            ]))

        try await bird.waitForState("gobgp", "Established")
        try await gobgp.waitForNeighbor("10.0.0.1", "Established")

        // BIRD -> GoBGP: the static route with BIRD's AS prepended and its large community.
        let rib = try await gobgp.waitForRoutes(family: "ipv4") { $0.contains { $0.prefix == "198.51.100.0/24" } }
        let fromBird = try #require(rib.first { $0.prefix == "198.51.100.0/24" })
        #expect(fromBird.asPath == [4_200_000_001])
        #expect(fromBird.nextHop == "10.0.0.1")
        #expect(fromBird.communities == ["64512:100"])
        #expect(fromBird.largeCommunities == ["4200000001:1:42"])
        #expect(fromBird.source == "10.0.0.1")
        let rib6 = try await gobgp.waitForRoutes(family: "ipv6") { $0.contains { $0.prefix == "2001:db8:1::/48" } }
        let fromBird6 = try #require(rib6.first { $0.prefix == "2001:db8:1::/48" })
        #expect(fromBird6.nextHop == "fd00::1")
        #expect(fromBird6.largeCommunities == ["4200000001:2:43"])

        // GoBGP -> BIRD: an announced route with every attribute, then its withdrawal.
        try gobgp.announce(prefix: "203.0.113.0/24", nextHop: "10.0.0.2", communities: ["64513:7"],
                           largeCommunities: ["64513:1:2"], med: 20)
        let table = try await bird.waitForRoutes { $0.contains { $0.prefix == "203.0.113.0/24" } }
        #expect(table.first { $0.prefix == "203.0.113.0/24" } == LearnedRoute(
            prefix: "203.0.113.0/24", nextHop: "10.0.0.2", asPath: [64513], communities: ["64513:7"],
            largeCommunities: ["64513:1:2"], localPref: 100, med: 20, source: "gobgp"))
        try gobgp.withdraw(prefix: "203.0.113.0/24")
        try await bird.waitForRoutes(timeout: .seconds(10)) { !$0.contains { $0.prefix == "203.0.113.0/24" } }

        // A crash (SIGKILL) is noticed by GoBGP; after a restart the route is back.
        bird.kill()
        _ = try await waitForValue("gobgp leaves Established", timeout: .seconds(12), interval: .milliseconds(500),
                                   { try gobgp.neighborState("10.0.0.1") }, until: { $0 != "Established" })
        try bird.start()
        try await bird.waitForState("gobgp", "Established")
        try await gobgp.waitForRoutes(family: "ipv4") { $0.contains { $0.prefix == "198.51.100.0/24" && $0.source == "10.0.0.1" } }
    }
}
