import Testing
import TestScheduling
import Netlink
import Policy
import PolicyKernel
import IPAddressing

/// How layout elements are laid out in kernel bytes (the bytes nft writes for the same text,
/// `nft --debug=netlink`), and how a batch is cut into messages.
@Suite(.blockingWork) struct LibnftnlLayoutTests {
    @Test func anAddressIntervalIsAStartAndAnEndElement() {
        let e = RoutedSets.elements(.address4(first: 0x0A42_0000, last: 0x0A42_00FF, .chain("from-6bf0ef3b")))
        #expect(e == [
            NFTElement(key: [10, 66, 0, 0],                          // 10.66.0.0, network byte order
                       value: .verdict(.goto("from-6bf0ef3b"))),      // goto from-6bf0ef3b
            NFTElement(key: [10, 66, 1, 0], intervalEnd: true),       // 10.66.1.0 = last + 1 closes the interval
        ])
        // An interval reaching 255.255.255.255 has no end element.
        #expect(RoutedSets.elements(.address4(first: 0x0B00_0000, last: .max, .accept)).count == 1)
    }

    @Test func portAndProtocolKeys() throws {
        #expect(RoutedSets.elements(.port(.tcp, try PortRange(8080, 8089), .chain("p2"))) == [NFTElement(
            key: [6, 0, 0, 0,                // meta l4proto tcp, one byte padded to its 4-byte register
                  0x1f, 0x90, 0, 0],         // th dport 8080, network order, padded
            keyEnd: [6, 0, 0, 0,
                     0x1f, 0x99, 0, 0],      // ... up to 8089
            value: .verdict(.goto("p2")))])
        #expect(RoutedSets.elements(.proto(.udp, .accept)) == [NFTElement(
            key: [17],                       // meta l4proto udp: the key is one byte
            value: .verdict(.accept))])
    }

    @Test func antiSpoofingKeys() {
        #expect(RoutedSets.elements(.spoof4("hv1", IPv4Address(0x0A42_0001))) == [NFTElement(
            key: [0x68, 0x76, 0x31] + [UInt8](repeating: 0, count: 13)   // "hv1", IFNAMSIZ bytes
                + [10, 66, 0, 1])])                                       // 10.66.0.1
    }

    /// A small source's destination rule: nft's text and nft's expressions for it (a prefix is a
    /// mask and a compare, a single address a compare, any other range a `range`).
    @Test(arguments: [
        (DestinationMatch(v6: false, first: 0x0A00_0100, last: 0x0A00_01FF, proto: .tcp, ports: try! PortRange(8000, 8080), verdict: .policy(PolicyVerdict(id: PolicyID(rawValue: 3), action: .allow, log: true))),
         "ip daddr 10.0.1.0/24 tcp dport 8000-8080 counter log prefix \"routed p3 allow \" accept comment \"p3\"",
         [NFTExpression.meta(.nfproto, into: .reg32(0)), .compare(.reg32(0), equal: true, [2]),       // meta nfproto ipv4
          .payload(.network, offset: 16, length: 4, into: .reg32(0)),                                  // ip daddr
          .bitwise(.reg32(0), mask: [255, 255, 255, 0], xor: [0, 0, 0, 0]),                            // & 255.255.255.0
          .compare(.reg32(0), equal: true, [10, 0, 1, 0]),                                             // == 10.0.1.0
          .meta(.l4proto, into: .reg32(0)), .compare(.reg32(0), equal: true, [6]),                     // tcp
          .payload(.transport, offset: 2, length: 2, into: .reg32(0)),                                 // th dport
          .range(.reg32(0), from: [0x1f, 0x40], to: [0x1f, 0x90]),                                     // 8000-8080
          .counter, .log(prefix: "routed p3 allow "), .verdict(.accept)]),                            // policy 3, folded in
        (DestinationMatch(v6: false, first: 0xC000_020A, last: 0xC000_020A, verdict: .target(.accept)),
         "ip daddr 192.0.2.10 accept",
         [.meta(.nfproto, into: .reg32(0)), .compare(.reg32(0), equal: true, [2]),
          .payload(.network, offset: 16, length: 4, into: .reg32(0)),
          .compare(.reg32(0), equal: true, [192, 0, 2, 10]),                                           // a /32: no mask
          .verdict(.accept)]),
        (DestinationMatch(v6: false, first: 0x0A00_0000, last: 0x0A00_004C, proto: .udp, verdict: .policy(PolicyVerdict(id: PolicyID(rawValue: 4), action: .deny, log: false))),
         "ip daddr 10.0.0.0-10.0.0.76 meta l4proto udp counter drop comment \"p4\"",
         [.meta(.nfproto, into: .reg32(0)), .compare(.reg32(0), equal: true, [2]),
          .payload(.network, offset: 16, length: 4, into: .reg32(0)),
          .range(.reg32(0), from: [10, 0, 0, 0], to: [10, 0, 0, 76]),                                 // not a prefix
          .meta(.l4proto, into: .reg32(0)), .compare(.reg32(0), equal: true, [17]),                    // udp
          .counter, .verdict(.drop)]),                                                                 // policy 4, folded in
        (DestinationMatch(v6: true, first: UInt128(0x2001_0db8_0001_0000) << 64, last: UInt128(0x2001_0db8_0001_0000) << 64 | UInt128(UInt64.max),
                          proto: .tcp, ports: try! PortRange(80, 80), verdict: .target(.chain("p2"))),
         "ip6 daddr 2001:db8:1::/64 tcp dport 80 goto p2",
         [.meta(.nfproto, into: .reg32(0)), .compare(.reg32(0), equal: true, [10]),                   // meta nfproto ipv6
          .payload(.network, offset: 24, length: 16, into: .reg32(0)),                                 // ip6 daddr
          .bitwise(.reg32(0), mask: [UInt8](repeating: 255, count: 8) + [UInt8](repeating: 0, count: 8), xor: [UInt8](repeating: 0, count: 16)),
          .compare(.reg32(0), equal: true, [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [UInt8](repeating: 0, count: 10)),
          .meta(.l4proto, into: .reg32(0)), .compare(.reg32(0), equal: true, [6]),
          .payload(.transport, offset: 2, length: 2, into: .reg32(0)),
          .compare(.reg32(0), equal: true, [0, 80]),                                                   // one port: a compare
          .verdict(.goto("p2"))]),
    ] as [(DestinationMatch, String, [NFTExpression])])
    func aDestinationRuleIsWhatNftGeneratesForItsText(match: DestinationMatch, text: String, expressions: [NFTExpression]) {
        #expect(LayoutRule.destination(match).nftText == text)
        #expect(RulesetProgram.expressions(.destination(match)) == expressions)
    }

    /// The expressions of the two dispatch rules: one payload load and one lookup each, no
    /// register shared between lookups (what nft 1.0.6 can list).
    @Test func dispatchRulesAreOneLookupEach() {
        let r0 = NFTRegister.reg32(0)
        #expect(RulesetProgram.expressions(.sourceVmap(v6: false, map: "src4")) == [
            .meta(.nfproto, into: r0), .compare(r0, equal: true, [2]),          // meta nfproto ipv4
            .payload(.network, offset: 12, length: 4, into: r0),                  // ip saddr
            .lookup(set: "src4", setID: nil, from: r0, into: .verdict, inverted: false),  // vmap @src4
        ])
        #expect(RulesetProgram.expressions(.destinationVmap(v6: true, map: "dst6-00000002")) == [
            .meta(.nfproto, into: r0), .compare(r0, equal: true, [10]),         // meta nfproto ipv6
            .payload(.network, offset: 24, length: 16, into: r0),                 // ip6 daddr
            .lookup(set: "dst6-00000002", setID: nil, from: r0, into: .verdict, inverted: false),
        ])
    }

    @Test func elementListsAreCutIntoMessagesUnder64KiB() throws {
        let b = NFTBatch(family: .inet, table: "routed", firstSequence: 100)
        let els = (0..<10_000).map { i in NFTElement(key: [UInt8](repeating: UInt8(i & 0xff), count: 16), keyEnd: [UInt8](repeating: 1, count: 16), value: .verdict(.goto("p1"))) }
        try b.addElements(set: "ports-1-2", els)
        #expect(b.commandCount == (10_000 + NFTBatch.elementsPerMessage - 1) / NFTBatch.elementsPerMessage)
    }
}
