import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// RFC 4271 section 6.2 and RFC 5492: each refused OPEN gets its own NOTIFICATION.
@Suite struct OpenNegotiationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var open: OpenMessage
        var subcode: OpenErrorSubcode?
        var testDescription: String { name }
    }

    static func open(as asn: UInt32 = 65000, hold: UInt16 = 90, id: IPv4Address = IPv4Address(192, 0, 2, 2),
                     caps: [Capability] = [.multiprotocol(.ipv4Unicast)]) -> OpenMessage {
        OpenMessage(autonomousSystem: asn, holdTime: hold, bgpIdentifier: id, capabilities: caps)
    }

    static let cases: [Case] = [
        Case(name: "acceptable", open: open(), subcode: nil),
        Case(name: "wrong AS", open: open(as: 65001), subcode: .badPeerAS),
        Case(name: "4-octet AS mismatch", open: open(as: 4_200_000_000), subcode: .badPeerAS),
        Case(name: "identifier 0.0.0.0", open: open(id: IPv4Address(0)), subcode: .badBGPIdentifier),
        Case(name: "hold time 1", open: open(hold: 1), subcode: .unacceptableHoldTime),
        Case(name: "hold time 2", open: open(hold: 2), subcode: .unacceptableHoldTime),
        Case(name: "hold time 0", open: open(hold: 0), subcode: nil),
        Case(name: "hold time 3", open: open(hold: 3), subcode: nil),
    ]

    @Test(arguments: cases)
    func checksTheOpen(_ c: Case) {
        let result = OpenNegotiation.negotiate(local: routerA, received: c.open)
        switch (result, c.subcode) {
        case (.success, nil): break
        case (.failure(let e), let expected?):
            #expect(e.code == .openMessageError && e.subcode == expected.rawValue, "\(e)")
        default:
            Issue.record("\(c.name): \(result)")
        }
    }

    @Test func internalPeerWithOurIdentifierIsRefused() {
        let ibgp = PeerConfiguration(localAS: 64512, peerAS: 64512, localIdentifier: IPv4Address(10, 0, 0, 1))
        let result = OpenNegotiation.negotiate(local: ibgp, received: Self.open(as: 64512, id: IPv4Address(10, 0, 0, 1)))
        guard case .failure(let e) = result else { Issue.record("accepted"); return }
        #expect(e.subcode == OpenErrorSubcode.badBGPIdentifier.rawValue)
    }

    @Test func requiredCapabilityMissingIsUnsupportedCapability() {
        var config = routerA
        config.requiredCapabilities = [64]
        guard case .failure(let e) = OpenNegotiation.negotiate(local: config, received: Self.open()) else { Issue.record("accepted"); return }
        #expect(e.subcode == OpenErrorSubcode.unsupportedCapability.rawValue && e.data == [64, 0])
    }

    @Test func capabilitiesAreIntersected() throws {
        let caps: [Capability] = [.multiprotocol(.ipv6Unicast), .multiprotocol(AddressFamily(afi: .ipv4, safi: SAFI(rawValue: 128))),
                                  .routeRefresh, .extendedMessage]
        let s = try OpenNegotiation.negotiate(local: routerA, received: Self.open(hold: 9, caps: caps)).get()
        #expect(s.families == [.ipv6Unicast])
        #expect(s.holdTime == 9 && s.keepaliveTime == 3)
        #expect(s.routeRefresh && !s.enhancedRouteRefresh)
        #expect(s.codec.extendedMessage && s.codec.fourOctetAS && s.codec.externalPeer)
        // No multiprotocol capability at all means IPv4 unicast (RFC 4760 section 8).
        let plain = OpenMessage(myAutonomousSystem: 65000, holdTime: 90, bgpIdentifier: IPv4Address(192, 0, 2, 2), optionalParameters: [])
        let legacy = try OpenNegotiation.negotiate(local: routerA, received: plain).get()
        #expect(legacy.families == [.ipv4Unicast] && !legacy.codec.fourOctetAS)
    }
}
