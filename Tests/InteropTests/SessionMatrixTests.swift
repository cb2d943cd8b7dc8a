import Testing
import TestScheduling
import Foundation
import InteropLab

/// The rest of the interop matrix: each daemon in the session kind the other suites do not cover,
/// and TCP MD5 refused with a wrong password.
@Suite(.blockingWork, .serialized, .enabled(if: interopAvailable, interopSkipReason))
struct SessionMatrixTests {
    /// GoBGP over iBGP without a password: Established, a route each way.
    @Test func gobgpIBGP() async throws {
        let net = try PeerLink("gobgp-ibgp")
        defer { net.lab.cleanup() }
        let gobgp = try GoBGPRouter(lab: net.lab, namespace: net.peerNS, config: GoBGPConfig(
            asn: 64512, routerID: "192.0.2.2", neighbors: [.init(address: PeerLink.routedV4, peerAS: 64512, localAddress: PeerLink.peerV4)]).render())
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),connect-retry=2", "--originate", "10.244.7.0/26",
        ])
        defer { routed.stop() }
        try await routed.waitForState(PeerLink.peerV4)
        let ours = try await gobgp.waitForRoutes(family: "ipv4") { $0.contains { $0.prefix == "10.244.7.0/26" } }
        #expect(ours.first { $0.prefix == "10.244.7.0/26" }?.localPref == 100)
        try gobgp.announce(prefix: "203.0.113.0/24")
        let theirs = try #require(try await routed.waitForRoute("203.0.113.0/24", from: PeerLink.peerV4))
        #expect(theirs["as-path"] as? [Int] == [])
    }

    /// FRR over eBGP with MD5, FRR in 4-octet AS 4200000001: Established, a route each way.
    @Test func frrEBGPWithMD5FourOctetAS() async throws {
        let net = try PeerLink("frr-ebgp")
        defer { net.lab.cleanup() }
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),as=4200000001,password=s3cret,connect-retry=2", "--originate", "10.244.8.0/26",
        ])
        defer { routed.stop() }
        let frr = try FRRRouter(lab: net.lab, namespace: net.peerNS, config: FRRConfig(
            asn: 4_200_000_001, routerID: "192.0.2.2",
            neighbors: [.init(address: PeerLink.routedV4, remoteAS: 64512, password: "s3cret")],
            networks: ["198.51.100.0/24"]).render(hostname: "frr", logFile: net.lab.path("frr.log")), asn: 4_200_000_001)
        try await frr.waitForNeighbor(PeerLink.routedV4)
        let ours = try await frr.waitForRoutes(afi: "ipv4") { $0.contains { $0.prefix == "10.244.8.0/26" } }
        #expect(ours.first { $0.prefix == "10.244.8.0/26" }?.asPath == [64512])
        let theirs = try #require(try await routed.waitForRoute("198.51.100.0/24", from: PeerLink.peerV4))
        #expect(theirs["as-path"] as? [Int] == [4_200_000_001])
    }

    /// A wrong TCP MD5 password never gets a session: the kernel drops the unsigned/badly signed
    /// segments (RFC 2385), so neither side gets past Connect/Active.
    @Test func birdRefusesAWrongPassword() async throws {
        let net = try PeerLink("bird-md5")
        defer { net.lab.cleanup() }
        let bird = try BirdRouter(lab: net.lab, namespace: net.peerNS, config: BirdConfig(routerID: "192.0.2.2", protocols: [
            .init(name: "routed", localAddress: PeerLink.peerV4, localAS: 65000, neighbor: PeerLink.routedV4, neighborAS: 64512,
                  password: "s3cret"),
        ]).render(logFile: net.lab.path("bird.log")))
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),as=65000,password=wrong,connect-retry=1",
        ])
        defer { routed.stop() }
        let clock = ContinuousClock()
        let until = clock.now + .seconds(8)
        while clock.now < until {
            #expect(try bird.protocolState("routed") != "Established")
            #expect(!["OpenSent", "OpenConfirm", "Established"].contains(routed.state(of: PeerLink.peerV4)))
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// GTSM (RFC 5082) with BIRD's `ttl security on`: both sides send TTL 255 and accept only 254
    /// or more, and the session comes up and carries routes.
    @Test func gtsmWithBIRD() async throws {
        let net = try PeerLink("bird-gtsm")
        defer { net.lab.cleanup() }
        let bird = try BirdRouter(lab: net.lab, namespace: net.peerNS, config: BirdConfig(routerID: "192.0.2.2", protocols: [
            .init(name: "routed", localAddress: PeerLink.peerV4, localAS: 65000, neighbor: PeerLink.routedV4, neighborAS: 64512,
                  extra: ["ttl security on;"]),
        ], staticRoutes: [.init("198.51.100.0/24")]).render(logFile: net.lab.path("bird.log")))
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),as=65000,ttl-security,connect-retry=2", "--originate", "10.244.9.0/26",
        ])
        defer { routed.stop() }
        try await bird.waitForState("routed")
        _ = try await bird.waitForRoutes(table: "master4") { $0.contains { $0.prefix == "10.244.9.0/26" } }
        _ = try #require(try await routed.waitForRoute("198.51.100.0/24", from: PeerLink.peerV4))
    }
}
