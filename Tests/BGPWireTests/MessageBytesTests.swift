import Testing
import Foundation
import NIOCore
@testable import BGPWire
import IPAddressing

/// Every message type, as bytes on the wire with a comment per field, decoded and re-encoded.
@Suite struct MessageBytesTests {
    func roundTrip(_ bytes: [UInt8], _ expected: BGPMessage, context: CodecContext = CodecContext()) throws {
        let decoded = try BGPMessage.decode(bytes: bytes, context: context)
        #expect(decoded == expected)
        #expect(expected.encoded(context: context) == bytes)
    }

    @Test func keepalive() throws {
        try roundTrip(marker + [
            0x00, 0x13,  // length 19
            0x04,        // type KEEPALIVE
        ], .keepalive)
    }

    @Test func openWithCapabilities() throws {
        let bytes = marker + [
            0x00, 0x4D,              // length 77
            0x01,                    // type OPEN
            0x04,                    // version 4
            0x5B, 0xA0,              // my AS 23456 (AS_TRANS)
            0x00, 0x5A,              // hold time 90
            0xC0, 0x00, 0x02, 0x01,  // BGP identifier 192.0.2.1
            0x30,                    // optional parameters length 48
            0x02, 0x2E,              // parameter: capabilities, length 46
            0x01, 0x04, 0x00, 0x01, 0x00, 0x01,  // multiprotocol IPv4 unicast
            0x01, 0x04, 0x00, 0x02, 0x00, 0x01,  // multiprotocol IPv6 unicast
            0x02, 0x00,                          // route refresh
            0x46, 0x00,                          // enhanced route refresh
            0x06, 0x00,                          // extended message
            0x40, 0x06, 0x80, 0x78,              // graceful restart: R bit, restart time 120
            0x00, 0x01, 0x01, 0x80,              //   IPv4 unicast, forwarding preserved
            0x41, 0x04, 0xFA, 0x56, 0xEA, 0x01,  // 4-octet AS 4200000001
            0x05, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02,  // extended next hop: IPv4 unicast over IPv6
            0x45, 0x04, 0x00, 0x01, 0x01, 0x01,  // ADD-PATH: IPv4 unicast, receive
        ]
        let open = OpenMessage(myAutonomousSystem: 23456, holdTime: 90, bgpIdentifier: addr("192.0.2.1"),
                               optionalParameters: [.capabilities([
                                   .multiprotocol(.ipv4Unicast), .multiprotocol(.ipv6Unicast), .routeRefresh,
                                   .enhancedRouteRefresh, .extendedMessage,
                                   .gracefulRestart(GracefulRestartCapability(restartState: true, restartTime: 120, families: [
                                       .init(family: .ipv4Unicast, forwardingPreserved: true)])),
                                   .fourOctetAS(4_200_000_001),
                                   .extendedNextHop([ExtendedNextHopTuple(nlriFamily: .ipv4Unicast, nextHopAFI: .ipv6)]),
                                   .addPath([AddPathTuple(family: .ipv4Unicast, direction: .receive)]),
                               ])])
        try roundTrip(bytes, .open(open))
        #expect(open.autonomousSystem == 4_200_000_001)
    }

    @Test func openFQDNAndUnknownCapabilityInSeparateParameters() throws {
        let bytes = marker + [
            0x00, 0x2F,              // length 47
            0x01,                    // type OPEN
            0x04,                    // version 4
            0xFD, 0xE8,              // my AS 65000
            0x00, 0x03,              // hold time 3
            0x0A, 0x00, 0x00, 0x01,  // BGP identifier 10.0.0.1
            0x12,                    // optional parameters length 18
            0x02, 0x0A,              // parameter: capabilities, length 10
            0x49, 0x08,              //   FQDN, length 8
            0x02, 0x72, 0x31,        //   host name "r1" (length 2)
            0x04, 0x6C, 0x61, 0x62, 0x31,  // domain name "lab1" (length 4)
            0x02, 0x04,              // parameter: capabilities, length 4
            0x80, 0x02, 0xAB, 0xCD,  //   unknown capability 128, 2 octets kept verbatim
        ]
        try roundTrip(bytes, .open(OpenMessage(myAutonomousSystem: 65000, holdTime: 3, bgpIdentifier: addr("10.0.0.1"),
                                              optionalParameters: [.capabilities([.fqdn(hostName: "r1", domainName: "lab1")]),
                                                                   .capabilities([.unknown(code: 128, value: [0xAB, 0xCD])])])))
    }

    /// RFC 9072: Non-Ext OP Len 255, Non-Ext OP Type 255, then a 2-octet length and 2-octet parameter lengths.
    @Test func openExtendedOptionalParameters() throws {
        let bytes = marker + [
            0x00, 0x27,              // length 39
            0x01,                    // type OPEN
            0x04, 0xFD, 0xE8,        // version 4, my AS 65000
            0x00, 0xB4,              // hold time 180
            0x0A, 0x00, 0x00, 0x02,  // BGP identifier 10.0.0.2
            0xFF,                    // Non-Ext OP Len 255
            0xFF,                    // Non-Ext OP Type 255: extended format follows
            0x00, 0x07,              // Extended Opt. Parm. Length 7
            0x02, 0x00, 0x04,        // parameter: capabilities, 2-octet length 4
            0x41, 0x02, 0x00, 0x01,  // a malformed 4-octet AS capability? no: code 65 length 2 is refused below
        ]
        // Code 65 with length 2 is malformed: OPEN Message Error, subcode 0.
        #expect(throws: BGPError.self) { try BGPMessage.decode(bytes: bytes, context: CodecContext()) }
        let good = OpenMessage(myAutonomousSystem: 65000, holdTime: 180, bgpIdentifier: addr("10.0.0.2"),
                               optionalParameters: [.capabilities([.routeRefresh])], extendedParameters: true)
        try roundTrip(marker + [
            0x00, 0x25,              // length 37
            0x01,                    // type OPEN
            0x04, 0xFD, 0xE8,        // version 4, my AS 65000
            0x00, 0xB4,              // hold time 180
            0x0A, 0x00, 0x00, 0x02,  // BGP identifier 10.0.0.2
            0xFF, 0xFF,              // extended format marker
            0x00, 0x05,              // Extended Opt. Parm. Length 5
            0x02, 0x00, 0x02,        // parameter: capabilities, 2-octet length 2
            0x02, 0x00,              // route refresh
        ], .open(good))
    }

    @Test func notificationWithShutdownCommunication() throws {
        let bytes = marker + [
            0x00, 0x1A,        // length 26
            0x03,              // type NOTIFICATION
            0x06,              // code Cease
            0x02,              // subcode Administrative Shutdown
            0x04,              // RFC 9003: communication length 4
            0x62, 0x79, 0x65, 0x21,  // "bye!"
        ]
        let n = NotificationMessage.cease(.administrativeShutdown, message: "bye!")
        try roundTrip(bytes, .notification(n))
        #expect(n.shutdownCommunication == "bye!")
        #expect(NotificationMessage.cease(.administrativeShutdown, message: String(repeating: "é", count: 200)).data.count == 255)
    }

    @Test func routeRefreshSubtypes() throws {
        for (subtype, octet) in [(RouteRefreshMessage.Subtype.normal, UInt8(0)), (.beginningOfRouteRefresh, 1),
                                 (.endOfRouteRefresh, 2), (RouteRefreshMessage.Subtype(rawValue: 7), 7)] {
            try roundTrip(marker + [
                0x00, 0x17,   // length 23
                0x05,         // type ROUTE-REFRESH
                0x00, 0x02,   // AFI IPv6
                octet,        // RFC 7313 message subtype
                0x01,         // SAFI unicast
            ], .routeRefresh(RouteRefreshMessage(family: .ipv6Unicast, subtype: subtype)))
        }
    }

    @Test func updateIPv4WithEveryAttribute() throws {
        let bytes = marker + [
            0x00, 0x9B,              // length 155
            0x02,                    // type UPDATE
            0x00, 0x04,              // withdrawn routes length 4
            0x18, 0xCB, 0x00, 0x71,  //   203.0.113.0/24
            0x00, 0x76,              // total path attribute length 118
            0x40, 0x01, 0x01, 0x00,  // ORIGIN IGP (well-known transitive)
            0x40, 0x02, 0x10,        // AS_PATH, length 16
            0x02, 0x02, 0x00, 0x00, 0xFD, 0xE8, 0x00, 0x00, 0xFD, 0xE9,  //   AS_SEQUENCE 65000 65001
            0x01, 0x01, 0x00, 0x00, 0xFD, 0xEA,                          //   AS_SET {65002}
            0x40, 0x03, 0x04, 0xC0, 0x00, 0x02, 0x01,  // NEXT_HOP 192.0.2.1
            0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x64,  // MULTI_EXIT_DISC 100 (optional non-transitive)
            0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0xC8,  // LOCAL_PREF 200
            0x40, 0x06, 0x00,                          // ATOMIC_AGGREGATE
            0xC0, 0x07, 0x08, 0x00, 0x00, 0xFD, 0xEA, 0xC0, 0x00, 0x02, 0x09,  // AGGREGATOR AS 65002, 192.0.2.9
            0xC0, 0x08, 0x08, 0xFD, 0xE8, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0x01,  // COMMUNITIES 65000:1 no-export
            0x80, 0x09, 0x04, 0x0A, 0x00, 0x00, 0x09,  // ORIGINATOR_ID 10.0.0.9
            0x80, 0x0A, 0x08, 0x0A, 0x00, 0x00, 0x01, 0x0A, 0x00, 0x00, 0x02,  // CLUSTER_LIST 10.0.0.1 10.0.0.2
            0xC0, 0x10, 0x08, 0x00, 0x02, 0xFD, 0xE8, 0x00, 0x00, 0x00, 0x2A,  // EXTENDED_COMMUNITIES rt 65000:42
            0xC0, 0x20, 0x0C, 0x00, 0x00, 0xFC, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2A,  // LARGE_COMMUNITY 64512:1:42
            0xE0, 0x63, 0x02, 0xBE, 0xEF,  // unknown optional transitive 99, Partial set, kept verbatim
            0x18, 0xC6, 0x33, 0x64,        // NLRI 198.51.100.0/24
            0x20, 0x0A, 0x00, 0x00, 0x01,  // NLRI 10.0.0.1/32
            0x00,                          // NLRI 0.0.0.0/0
        ]
        let attributes = PathAttributes([
            PathAttribute(.origin(.igp)),
            PathAttribute(.asPath(ASPath([.init(.asSequence, [65000, 65001]), .init(.asSet, [65002])]))),
            PathAttribute(.nextHop(addr("192.0.2.1"))),
            PathAttribute(.multiExitDisc(100)),
            PathAttribute(.localPref(200)),
            PathAttribute(.atomicAggregate),
            PathAttribute(.aggregator(Aggregator(asn: 65002, address: addr("192.0.2.9")))),
            PathAttribute(.communities([Community(asn: 65000, value: 1), .noExport])),
            PathAttribute(.originatorID(addr("10.0.0.9"))),
            PathAttribute(.clusterList([0x0A00_0001, 0x0A00_0002])),
            PathAttribute(.extendedCommunities([.routeTarget(asn: 65000, value: 42)])),
            PathAttribute(.largeCommunities([LargeCommunity(64512, 1, 42)])),
            PathAttribute(flags: [.optional, .transitive, .partial], value: .unknown(type: 99, value: [0xBE, 0xEF])),
        ])
        try roundTrip(bytes, .update(UpdateMessage(withdrawnRoutes: [v4("203.0.113.0/24")], attributes: attributes,
                                                   nlri: [v4("198.51.100.0/24"), v4("10.0.0.1/32"), v4("0.0.0.0/0")])))
        #expect(attributes.asPath?.pathLength == 3)
        #expect(attributes.communities.map(\.description) == ["65000:1", "no-export"])
        #expect(attributes.extendedCommunities.first?.description == "rt 65000:42")
    }

    @Test func updateTwoOctetASSession() throws {
        let context = CodecContext(fourOctetAS: false)
        let bytes = marker + [
            0x00, 0x51,              // length 81
            0x02,                    // type UPDATE
            0x00, 0x00,              // withdrawn routes length 0
            0x00, 0x35,              // total path attribute length 53
            0x40, 0x01, 0x01, 0x02,  // ORIGIN incomplete
            0x40, 0x02, 0x06,        // AS_PATH, length 6
            0x02, 0x02, 0xFD, 0xE8, 0x5B, 0xA0,  //   AS_SEQUENCE 65000 23456 (2-octet ASNs; AS_TRANS)
            0x40, 0x03, 0x04, 0xC0, 0x00, 0x02, 0x01,  // NEXT_HOP 192.0.2.1
            0xC0, 0x07, 0x06, 0x5B, 0xA0, 0xC0, 0x00, 0x02, 0x09,  // AGGREGATOR AS_TRANS, 192.0.2.9 (6 octets)
            0xC0, 0x11, 0x0A, 0x02, 0x02,  // AS4_PATH, length 10: AS_SEQUENCE of 2
            0x00, 0x00, 0xFD, 0xE8, 0xFA, 0x56, 0xEA, 0x01,  //   65000 4200000001
            0xC0, 0x12, 0x08, 0xFA, 0x56, 0xEA, 0x01, 0xC0, 0x00, 0x02, 0x09,  // AS4_AGGREGATOR 4200000001, 192.0.2.9
            0x10, 0x0A, 0x01,        // NLRI 10.1.0.0/16
            0x08, 0x0B,              // NLRI 11.0.0.0/8
        ]
        let update = UpdateMessage(attributes: PathAttributes([
            PathAttribute(.origin(.incomplete)),
            PathAttribute(.asPath(ASPath(sequence: [65000, 23456]))),
            PathAttribute(.nextHop(addr("192.0.2.1"))),
            PathAttribute(.aggregator(Aggregator(asn: 23456, address: addr("192.0.2.9")))),
            PathAttribute(.as4Path(ASPath(sequence: [65000, 4_200_000_001]))),
            PathAttribute(.as4Aggregator(Aggregator(asn: 4_200_000_001, address: addr("192.0.2.9")))),
        ]), nlri: [v4("10.1.0.0/16"), v4("11.0.0.0/8")])
        try roundTrip(bytes, .update(update), context: context)
        // A 4-octet AS that does not fit is written as AS_TRANS on a 2-octet session (RFC 6793 section 4.2.2).
        var wide = update
        wide.attributes.set(.asPath(ASPath(sequence: [65000, 4_200_000_001])))
        #expect(BGPMessage.update(wide).encoded(context: context) == bytes)
        // Between two 4-octet speakers AS4_PATH and AS4_AGGREGATOR are discarded (RFC 6793 section 6).
        let wideUpdate = BGPMessage.update(UpdateMessage(attributes: PathAttributes([
            PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: [65000]))),
            PathAttribute(.nextHop(addr("192.0.2.1"))), PathAttribute(.as4Path(ASPath(sequence: [65000]))),
        ]), nlri: [v4("10.0.0.0/8")]))
        let received = try BGPMessage.decode(bytes: wideUpdate.encoded(context: CodecContext()), context: CodecContext()).update!
        #expect(received.attributes.as4Path == nil && received.errors.isEmpty)
    }

    @Test func updateIPv6MultiprotocolWithLinkLocalNextHop() throws {
        let bytes = marker + [
            0x00, 0x72,        // length 114
            0x02,              // type UPDATE
            0x00, 0x00,        // withdrawn routes length 0
            0x00, 0x5B,        // total path attribute length 91
            0x90, 0x0E, 0x00, 0x35,  // MP_REACH_NLRI, extended length 53
            0x00, 0x02, 0x01,  //   AFI IPv6, SAFI unicast
            0x20,              //   next hop length 32: global + link-local (RFC 2545)
            0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,  // 2001:db8::1
            0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,        // fe80::1
            0x00,              //   reserved
            0x30, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01,  // 2001:db8:1::/48
            0x40, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x02, 0x00, 0x03,  // 2001:db8:2:3::/64
            0x40, 0x01, 0x01, 0x00,  // ORIGIN IGP
            0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xFC, 0x00,  // AS_PATH 64512
            0x80, 0x0F, 0x12,  // MP_UNREACH_NLRI, length 18
            0x00, 0x02, 0x01,  //   AFI IPv6, SAFI unicast
            0x30, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x09,  // 2001:db8:9::/48
            0x38, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x0A, 0xBB,  // 2001:db8:a:bb00::/56
        ]
        let update = UpdateMessage(attributes: PathAttributes([
            PathAttribute(flags: [.optional, .extendedLength], value: .mpReachNLRI(MPReachNLRI(
                family: .ipv6Unicast, nextHop: .ipv6(addr6("2001:db8::1"), linkLocal: addr6("fe80::1")),
                nlri: .ipv6([v6("2001:db8:1::/48"), v6("2001:db8:2:3::/64")])))),
            PathAttribute(.origin(.igp)),
            PathAttribute(.asPath(ASPath(sequence: [64512]))),
            PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(family: .ipv6Unicast,
                                                       withdrawn: .ipv6([v6("2001:db8:9::/48"), v6("2001:db8:a:bb00::/56")])))),
        ]))
        try roundTrip(bytes, .update(update))
        #expect(update.announcedPrefixes.map(\.description) == ["2001:db8:1::/48", "2001:db8:2:3::/64"])
        #expect(update.withdrawnPrefixes.map(\.description) == ["2001:db8:9::/48", "2001:db8:a:bb00::/56"])
    }

    @Test func endOfRIBMarkers() throws {
        try roundTrip(marker + [
            0x00, 0x17,  // length 23
            0x02,        // type UPDATE
            0x00, 0x00,  // withdrawn routes length 0
            0x00, 0x00,  // total path attribute length 0
        ], .update(.endOfRIB(.ipv4Unicast)))
        try roundTrip(marker + [
            0x00, 0x1D,        // length 29
            0x02,              // type UPDATE
            0x00, 0x00,        // withdrawn routes length 0
            0x00, 0x06,        // total path attribute length 6
            0x80, 0x0F, 0x03,  // MP_UNREACH_NLRI, length 3
            0x00, 0x02, 0x01,  //   AFI IPv6, SAFI unicast, no prefixes
        ], .update(.endOfRIB(.ipv6Unicast)))
        #expect(UpdateMessage.endOfRIB(.ipv6Unicast).endOfRIB == .ipv6Unicast)
        #expect(UpdateMessage.endOfRIB(.ipv4Unicast).endOfRIB == .ipv4Unicast)
        #expect(UpdateMessage(nlri: [v4("10.0.0.0/8")]).endOfRIB == nil)
    }

    /// RFC 8950: IPv4 NLRI in MP_REACH_NLRI with an IPv6 next hop.
    @Test func ipv4OverIPv6NextHop() throws {
        let bytes = marker + [
            0x00, 0x41,        // length 65
            0x02,              // type UPDATE
            0x00, 0x00,        // withdrawn routes length 0
            0x00, 0x2A,        // total path attribute length 42
            0x80, 0x0E, 0x19,  // MP_REACH_NLRI, length 25
            0x00, 0x01, 0x01,  //   AFI IPv4, SAFI unicast
            0x10,              //   next hop length 16
            0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,  // 2001:db8::2
            0x00,              //   reserved
            0x18, 0x0A, 0x01, 0x02,  // 10.1.2.0/24
            0x40, 0x01, 0x01, 0x00,  // ORIGIN IGP
            0x40, 0x02, 0x00,        // AS_PATH empty (iBGP, locally originated)
            0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64,  // LOCAL_PREF 100
        ]
        let update = try BGPMessage.decode(bytes: bytes, context: CodecContext()).update!
        #expect(update.errors.isEmpty)
        #expect(update.attributes.mpReachNLRI?.nextHop == .ipv6(addr6("2001:db8::2"), linkLocal: nil))
        #expect(update.announcedPrefixes == [.v4(v4("10.1.2.0/24"))])
        #expect(BGPMessage.update(update).encoded(context: CodecContext()) == bytes)
    }

    /// RFC 7911 section 3: with ADD-PATH negotiated, a Path Identifier precedes every prefix.
    @Test func addPathIdentifiers() throws {
        let context = CodecContext(addPath: [.ipv4Unicast, .ipv6Unicast])
        let bytes = marker + [
            0x00, 0x5B,              // length 91
            0x02,                    // type UPDATE
            0x00, 0x08,              // withdrawn routes length 8
            0x00, 0x00, 0x00, 0x07,  //   path identifier 7
            0x18, 0xC6, 0x33, 0x64,  //   198.51.100.0/24
            0x00, 0x2C,              // total path attribute length 44
            0x40, 0x01, 0x01, 0x00,  // ORIGIN IGP
            0x40, 0x02, 0x00,        // AS_PATH empty
            0x40, 0x03, 0x04, 0xC0, 0x00, 0x02, 0x01,  // NEXT_HOP 192.0.2.1
            0x80, 0x0F, 0x1B,        // MP_UNREACH_NLRI, length 27
            0x00, 0x02, 0x01,        //   AFI IPv6, SAFI unicast
            0x00, 0x00, 0x00, 0x01,  //   path identifier 1
            0x30, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01,  // 2001:db8:1::/48
            0x00, 0x00, 0x00, 0x02,  //   path identifier 2
            0x40, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x02, 0x00, 0x03,  // 2001:db8:2:3::/64
            0x00, 0x00, 0x00, 0x01,  // NLRI: path identifier 1
            0x18, 0x0A, 0x00, 0x01,  //   10.0.1.0/24
            0x00, 0x00, 0x00, 0x02,  // NLRI: path identifier 2, the same prefix by another path
            0x18, 0x0A, 0x00, 0x01,  //   10.0.1.0/24
        ]
        var update = UpdateMessage(withdrawnRoutes: [v4("198.51.100.0/24")], attributes: PathAttributes([
            PathAttribute(.origin(.igp)), PathAttribute(.asPath(.empty)), PathAttribute(.nextHop(addr("192.0.2.1"))),
            PathAttribute(.mpUnreachNLRI(MPUnreachNLRI(family: .ipv6Unicast, withdrawn: .ipv6([v6("2001:db8:1::/48"), v6("2001:db8:2:3::/64")]),
                                                       pathIDs: [1, 2]))),
        ]), nlri: [v4("10.0.1.0/24"), v4("10.0.1.0/24")])
        update.withdrawnPathIDs = [7]
        update.nlriPathIDs = [1, 2]
        try roundTrip(bytes, .update(update), context: context)
        // Without ADD-PATH negotiated, the same octets do not parse as prefixes: the session resets.
        #expect(throws: BGPError.self) { try BGPMessage.decode(bytes: bytes, context: CodecContext()) }
    }

    /// RFC 6793 section 4.2.3: AS_PATH from a 2-octet speaker merged with AS4_PATH.
    @Test(arguments: [
        // (AS_PATH as the old speaker sent it, AS4_PATH, the path to use)
        ("65001 23456 23456 65010", "4200000001 4200000002 65010", "65001 4200000001 4200000002 65010"),
        ("23456", "4200000001", "4200000001"),
        ("65001 {23456 65002}", "{4200000001 65002}", "65001 {4200000001 65002}"),
        ("65001", "4200000001 4200000002", "65001"),  // AS4_PATH longer than AS_PATH: ignored
    ])
    func as4PathReconstruction(asPath: String, as4Path: String, expected: String) {
        func parse(_ text: String) -> ASPath {
            var segments: [ASPath.Segment] = []
            for token in text.replacingOccurrences(of: "{", with: " { ").replacingOccurrences(of: "}", with: " } ").split(separator: " ") {
                if token == "{" { segments.append(.init(.asSet, [])); continue }
                if token == "}" { segments.append(.init(.asSequence, [])); continue }
                if segments.isEmpty { segments.append(.init(.asSequence, [])) }
                segments[segments.count - 1].asns.append(UInt32(token)!)
            }
            return ASPath(segments.filter { !$0.asns.isEmpty })
        }
        #expect(parse(asPath).reconstructed(with: parse(as4Path)).description == expected)
    }
}
