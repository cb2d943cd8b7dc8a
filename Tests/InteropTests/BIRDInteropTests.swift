import Testing
import TestScheduling
import Foundation
import InteropLab

/// routed's speaker against BIRD 2 (Debian's bird2), in namespaces.
@Suite(.blockingWork, .serialized, .enabled(if: interopAvailable, interopSkipReason))
struct BIRDInteropTests {
    /// eBGP with MD5, BIRD in 4-octet AS 4200000001: routes both ways, IPv4 and IPv6, withdrawals
    /// both ways, a cut link noticed by the hold timer and recovered, BIRD killed and restarted.
    @Test func ebgpWithMD5FourOctetASRoutesWithdrawalsHoldTimerAndRestart() async throws {
        let net = try PeerLink("bird-ebgp")
        defer { net.lab.cleanup() }
        let birdConfig = BirdConfig(routerID: "192.0.2.2", protocols: [
            .init(name: "routed", localAddress: PeerLink.peerV4, localAS: 4_200_000_001, neighbor: PeerLink.routedV4,
                  neighborAS: 64512, password: "s3cret", holdTime: 6, checkLink: false, gracefulRestart: false,
                  ipv4: .init(), ipv6: .init(nextHopAddress: PeerLink.peerV6)),
        ], staticRoutes: [
            .init("198.51.100.0/24", communities: [(65000, 7)], largeCommunities: [(4_200_000_001, 1, 42)]),
            .init("2001:db8:100::/48"),
        ])
        let bird = try BirdRouter(lab: net.lab, namespace: net.peerNS, config: birdConfig.render(logFile: net.lab.path("bird.log")))
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),as=4200000001,password=s3cret,hold=6,connect-retry=2,next-hop6=\(PeerLink.routedV6)",
            "--originate", "10.244.1.0/26,large=64512:1:7", "--originate", "2001:db8:244::/64,community=64512:9",
        ])
        defer { routed.stop() }

        try await bird.waitForState("routed")
        try await routed.waitForState(PeerLink.peerV4)

        // Ours in BIRD: eBGP path [64512], next hop us, the large community.
        let routes4 = try await bird.waitForRoutes(table: "master4") { $0.contains { $0.prefix == "10.244.1.0/26" } }
        let ours = try #require(routes4.first { $0.prefix == "10.244.1.0/26" })
        #expect(ours.asPath == [64512])
        #expect(ours.nextHop == PeerLink.routedV4)
        #expect(ours.largeCommunities == ["64512:1:7"])
        let routes6 = try await bird.waitForRoutes(table: "master6") { $0.contains { $0.prefix == "2001:db8:244::/64" } }
        #expect(routes6.first { $0.prefix == "2001:db8:244::/64" }?.communities == ["64512:9"])

        // BIRD's in routed: path [4200000001], its community and large community; IPv6 too.
        let theirs = try #require(try await routed.waitForRoute("198.51.100.0/24", from: PeerLink.peerV4))
        #expect(theirs["as-path"] as? [Int] == [4_200_000_001])
        #expect(theirs["next-hop"] as? String == PeerLink.peerV4)
        #expect(theirs["communities"] as? [String] == ["65000:7"])
        #expect(theirs["large-communities"] as? [String] == ["4200000001:1:42"])
        let theirs6 = try #require(try await routed.waitForRoute("2001:db8:100::/48", from: PeerLink.peerV4))
        #expect(theirs6["next-hop"] as? String == PeerLink.peerV6)

        // Withdrawals both ways.
        routed.command("withdraw 10.244.1.0/26")
        try await bird.waitFor("BIRD drops 10.244.1.0/26", timeout: .seconds(15)) {
            try !bird.routes(table: "master4").contains { $0.prefix == "10.244.1.0/26" }
        }
        var fewer = birdConfig
        fewer.staticRoutes.removeAll { $0.prefix == "198.51.100.0/24" }
        try bird.reconfigure(fewer.render(logFile: net.lab.path("bird.log")))
        _ = try await routed.waitForRoute("198.51.100.0/24", from: PeerLink.peerV4, present: false)

        // A cut link: routed's hold timer (6 s) notices; the session comes back when the link does.
        try net.lab.cutLink(net.peerNS, "p0")
        try await waitUntil("routed notices the cut link", timeout: .seconds(15)) {
            routed.downs(PeerLink.peerV4, containing: "HoldTimer expired") >= 1
        }
        try net.lab.restoreLink(net.peerNS, "p0")
        try await routed.waitForState(PeerLink.peerV4, timeout: .seconds(45))

        // BIRD killed (no NOTIFICATION) and restarted: routed notices and re-establishes.
        bird.kill()
        try await waitUntil("routed notices BIRD is gone", timeout: .seconds(15)) { routed.state(of: PeerLink.peerV4) != "Established" }
        try bird.restart()
        try await routed.waitForState(PeerLink.peerV4, timeout: .seconds(45))
        _ = try await routed.waitForRoute("2001:db8:100::/48", from: PeerLink.peerV4)
    }

    /// iBGP, 2-octet AS, no password, routed passive: BIRD connects; LOCAL_PREF crosses.
    @Test func ibgpPassiveTwoOctetAS() async throws {
        let net = try PeerLink("bird-ibgp")
        defer { net.lab.cleanup() }
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),passive", "--originate", "10.244.2.0/26",
        ])
        defer { routed.stop() }
        let bird = try BirdRouter(lab: net.lab, namespace: net.peerNS, config: BirdConfig(routerID: "192.0.2.2", protocols: [
            .init(name: "routed", localAddress: PeerLink.peerV4, localAS: 64512, neighbor: PeerLink.routedV4, neighborAS: 64512),
        ], staticRoutes: [.init("203.0.113.0/24", localPref: 250)]).render(logFile: net.lab.path("bird.log")))
        try await bird.waitForState("routed")
        let ours = try await bird.waitForRoutes(table: "master4") { $0.contains { $0.prefix == "10.244.2.0/26" } }
        #expect(ours.first { $0.prefix == "10.244.2.0/26" }?.localPref == 100)
        #expect(ours.first { $0.prefix == "10.244.2.0/26" }?.asPath == [])
        let theirs = try #require(try await routed.waitForRoute("203.0.113.0/24", from: PeerLink.peerV4))
        #expect(theirs["local-pref"] as? Int == 250)
    }

    /// A peer without 4-octet AS support (BIRD `enable as4 off`): the session runs with 2-octet
    /// AS_PATHs both ways (RFC 6793 section 4.2). BIRD refuses a 4-octet neighbor AS in this mode, so
    /// AS_TRANS with AS4_PATH is covered by the codec and speaker unit tests instead.
    @Test func twoOctetOnlyPeer() async throws {
        let net = try PeerLink("bird-as2")
        defer { net.lab.cleanup() }
        let bird = try BirdRouter(lab: net.lab, namespace: net.peerNS, config: BirdConfig(routerID: "192.0.2.2", protocols: [
            .init(name: "routed", localAddress: PeerLink.peerV4, localAS: 65000, neighbor: PeerLink.routedV4, neighborAS: 64513,
                  extra: ["enable as4 off;"]),
        ], staticRoutes: [.init("198.51.100.0/24", asPathPrepend: [65010])]).render(logFile: net.lab.path("bird.log")))
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64513", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),as=65000", "--originate", "10.244.3.0/26",
        ])
        defer { routed.stop() }
        try await bird.waitForState("routed")
        let ours = try await bird.waitForRoutes(table: "master4") { $0.contains { $0.prefix == "10.244.3.0/26" } }
        #expect(ours.first { $0.prefix == "10.244.3.0/26" }?.asPath == [64513])
        let theirs = try #require(try await routed.waitForRoute("198.51.100.0/24", from: PeerLink.peerV4))
        #expect(theirs["as-path"] as? [Int] == [65000, 65010])
    }
}
