import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// Graceful restart, restarting speaker (RFC 4724 section 3): after a restart with forwarding kept,
/// our OPEN carries the Restart State bit and a Forwarding State bit per family, and the receiving
/// side's negotiation sees them.
@Suite struct RestartingSpeakerTests {
    static let restarted = GracefulRestartCapability(restartState: true, restartTime: 120, families: [
        .init(family: .ipv4Unicast, forwardingPreserved: true), .init(family: .ipv6Unicast, forwardingPreserved: true)])

    static func contains(_ bytes: [UInt8], _ part: [UInt8]) -> Bool {
        bytes.count >= part.count && (0...(bytes.count - part.count)).contains { Array(bytes[$0..<($0 + part.count)]) == part }
    }

    @Test func openCarriesRestartAndForwardingStateBits() {
        let ours = PeerConfiguration(localAS: 64512, peerAS: 65000, localIdentifier: IPv4Address(192, 0, 2, 1), gracefulRestart: Self.restarted)
        let bytes = BGPMessage.open(ours.openMessage).encoded(context: .beforeOpen)
        let capability: [UInt8] = [
            64, 10,          // Graceful Restart capability, 10 octets
            0x80, 0x78,      // R=1 N=0, Restart Time 120 s (12 bits)
            0x00, 0x01, 1,   // AFI 1 (IPv4), SAFI 1 (unicast)
            0x80,            // F=1: forwarding state kept
            0x00, 0x02, 1,   // AFI 2 (IPv6), SAFI 1
            0x80,            // F=1
        ]
        #expect(Self.contains(bytes, capability), "\(bytes)")

        // The peer's side of the negotiation sees the restart.
        let theirs = PeerConfiguration(localAS: 65000, peerAS: 64512, localIdentifier: IPv4Address(192, 0, 2, 2))
        guard case .success(let session) = OpenNegotiation.negotiate(local: theirs, received: ours.openMessage) else {
            Issue.record("negotiation failed"); return
        }
        #expect(session.peerGracefulRestart?.restartState == true)
        #expect(session.peerGracefulRestart?.families.allSatisfy { $0.forwardingPreserved } == true)
    }

    /// Without a restart the R bit stays clear (a first start must not claim one).
    @Test func firstStartHasNoRestartStateBit() {
        var first = Self.restarted
        first.restartState = false
        let ours = PeerConfiguration(localAS: 64512, peerAS: 65000, localIdentifier: IPv4Address(192, 0, 2, 1), gracefulRestart: first)
        let bytes = BGPMessage.open(ours.openMessage).encoded(context: .beforeOpen)
        #expect(Self.contains(bytes, [64, 10, 0x00, 0x78]))
    }

    /// After our restart a peer is sent the whole table, then End-of-RIB per family, so it can sweep
    /// what it kept of ours (RFC 4724 section 4.1).
    @Test func endOfRIBFollowsTheInitialTable() {
        var rib = SpeakerRIB(identity: SpeakerIdentity(localAS: 64512, routerID: IPv4Address(192, 0, 2, 1)))
        let peer = IPAddress("192.0.2.2")!
        _ = rib.setPeer(RIBPeerSettings(address: peer, asn: 65000, isExternal: true, importPolicy: .all, exportPolicy: .all))
        _ = rib.originate([LocalRoute(prefix: IPPrefix("10.244.1.0/26")!), LocalRoute(prefix: IPPrefix("2001:db8:244::/64")!)])
        let out = rib.sessionEstablished(peer, EstablishedPeer(routerID: IPv4Address(192, 0, 2, 2), families: [.ipv4Unicast, .ipv6Unicast],
                                                                nextHopSelfV4: IPAddress("192.0.2.1"), nextHopSelfV6: IPAddress("2001:db8::1")))
        let kinds = (out.messages[peer] ?? []).map { m -> String in
            switch m {
            case .update(let u): "update \(u.announcedCount)"
            case .endOfRIB(let f): "eor \(f)"
            default: "other"
            }
        }
        #expect(kinds == ["update 2", "eor ipv4-unicast", "eor ipv6-unicast"])
    }
}
