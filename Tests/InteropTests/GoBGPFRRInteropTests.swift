import Testing
import TestScheduling
import Foundation
import InteropLab

/// routed's speaker against GoBGP 3.10 and FRR 8.4 (Debian's packages), in namespaces.
@Suite(.blockingWork, .serialized, .enabled(if: interopAvailable, interopSkipReason))
struct GoBGPFRRInteropTests {
    /// eBGP with MD5 to GoBGP, IPv4 and IPv6; GoBGP's announcements and withdrawals reach routed.
    @Test func gobgpEBGPWithMD5() async throws {
        let net = try PeerLink("gobgp-ebgp")
        defer { net.lab.cleanup() }
        let gobgp = try GoBGPRouter(lab: net.lab, namespace: net.peerNS, config: GoBGPConfig(
            asn: 65000, routerID: "192.0.2.2", neighbors: [
                .init(address: PeerLink.routedV4, peerAS: 64512, password: "s3cret", families: [.ipv4Unicast, .ipv6Unicast],
                      holdTime: 9, localAddress: PeerLink.peerV4),
            ]).render())
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),as=65000,password=s3cret,hold=9,connect-retry=2,next-hop6=\(PeerLink.routedV6)",
            "--originate", "10.244.4.0/26,large=64512:1:4", "--originate", "2001:db8:244:4::/64",
        ])
        defer { routed.stop() }
        try await gobgp.waitForNeighbor(PeerLink.routedV4)
        try await routed.waitForState(PeerLink.peerV4)

        let ours = try await gobgp.waitForRoutes(family: "ipv4") { $0.contains { $0.prefix == "10.244.4.0/26" } }
        #expect(ours.first { $0.prefix == "10.244.4.0/26" }?.asPath == [64512])
        #expect(ours.first { $0.prefix == "10.244.4.0/26" }?.largeCommunities == ["64512:1:4"])
        _ = try await gobgp.waitForRoutes(family: "ipv6") { $0.contains { $0.prefix == "2001:db8:244:4::/64" } }

        try gobgp.announce(prefix: "198.51.100.0/24", communities: ["65000:77"])
        let theirs = try #require(try await routed.waitForRoute("198.51.100.0/24", from: PeerLink.peerV4))
        #expect(theirs["as-path"] as? [Int] == [65000])
        #expect(theirs["communities"] as? [String] == ["65000:77"])
        try gobgp.withdraw(prefix: "198.51.100.0/24")
        _ = try await routed.waitForRoute("198.51.100.0/24", from: PeerLink.peerV4, present: false)

        routed.command("withdraw 10.244.4.0/26")
        _ = try await gobgp.waitForRoutes(family: "ipv4") { !$0.contains { $0.prefix == "10.244.4.0/26" } }
    }

    /// iBGP to FRR (bgpd), IPv4 and IPv6, FRR's `network` statements and their removal.
    @Test func frrIBGP() async throws {
        let net = try PeerLink("frr-ibgp")
        defer { net.lab.cleanup() }
        let routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: [
            "--as", "64512", "--router-id", "192.0.2.1", "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),hold=9,connect-retry=2,next-hop6=\(PeerLink.routedV6)",
            "--originate", "10.244.5.0/26", "--originate", "2001:db8:244:5::/64",
        ])
        defer { routed.stop() }
        let frr = try FRRRouter(lab: net.lab, namespace: net.peerNS, config: FRRConfig(
            asn: 64512, routerID: "192.0.2.2",
            neighbors: [.init(address: PeerLink.routedV4, remoteAS: 64512, timers: (keepalive: 3, hold: 9), ipv4: true, ipv6: true)],
            networks: ["203.0.113.0/24"]).render(hostname: "frr", logFile: net.lab.path("frr.log")), asn: 64512)
        try await frr.waitForNeighbor(PeerLink.routedV4)
        try await routed.waitForState(PeerLink.peerV4)

        let ours = try await frr.waitForRoutes(afi: "ipv4") { $0.contains { $0.prefix == "10.244.5.0/26" } }
        #expect(ours.first { $0.prefix == "10.244.5.0/26" }?.localPref == 100)
        _ = try await frr.waitForRoutes(afi: "ipv6") { $0.contains { $0.prefix == "2001:db8:244:5::/64" } }
        let theirs = try #require(try await routed.waitForRoute("203.0.113.0/24", from: PeerLink.peerV4))
        #expect(theirs["as-path"] as? [Int] == [])

        try frr.withdraw(prefix: "203.0.113.0/24")
        _ = try await routed.waitForRoute("203.0.113.0/24", from: PeerLink.peerV4, present: false)
        routed.command("withdraw 10.244.5.0/26")
        _ = try await frr.waitForRoutes(afi: "ipv4") { !$0.contains { $0.prefix == "10.244.5.0/26" } }
    }
}
