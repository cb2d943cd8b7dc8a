import Testing
import Netlink
import Policy
import PolicyKernel
import IPAddressing

/// How ruleset elements are laid out in kernel bytes, and how a batch is cut into messages.
struct LibnftnlLayoutTests {
    static let lamp = NetworkID(rawValue: 0x6bf0_ef3b), lnmp = NetworkID(rawValue: 0x44cb_ad52)

    @Test func anAddressIntervalIsAStartAndAnEndElement() {
        let e = RoutedSets.elements(.address4(AddressInterval(first: 0x0A42_0000, last: 0x0A42_00FF, network: Self.lamp)))
        #expect(e == [
            NFTElement(key: [10, 66, 0, 0],                     // 10.66.0.0, network byte order
                       value: .data([0x3b, 0xef, 0xf0, 0x6b])), // lamp's id, host byte order (nft `mark`)
            NFTElement(key: [10, 66, 1, 0], intervalEnd: true),  // 10.66.1.0 = last + 1 closes the interval
        ])
        // An interval reaching 255.255.255.255 has no end element.
        #expect(RoutedSets.elements(.address4(AddressInterval(first: 0x0B00_0000, last: .max, network: .world))).count == 1)
    }

    @Test func verdictMapKeys() throws {
        let pair = PairKey(Self.lamp, Self.lnmp)
        #expect(RoutedSets.elements(.pair(pair, .policy(PolicyID(rawValue: 1)))) == [NFTElement(
            key: [0x3b, 0xef, 0xf0, 0x6b,    // source network id, host order (as addr4 wrote it in reg 8)
                  0x52, 0xad, 0xcb, 0x44],   // destination network id (reg 9)
            value: .verdict(.goto("p1")))])
        #expect(RoutedSets.elements(.proto(ProtoKey(pair, .udp), .accept)) == [NFTElement(
            key: [0x3b, 0xef, 0xf0, 0x6b, 0x52, 0xad, 0xcb, 0x44,
                  17, 0, 0, 0],              // meta l4proto: one byte, padded to its 4-byte register
            value: .verdict(.goto("pass")))])
        #expect(RoutedSets.elements(.port(PortKey(pair, .tcp, try PortRange(8080, 8089)), .policy(PolicyID(rawValue: 2)))) == [NFTElement(
            key: [0x6b, 0xf0, 0xef, 0x3b,    // source id, network order (byteorder hton: the pipapo map compares bytes)
                  0x44, 0xcb, 0xad, 0x52,    // destination id, network order
                  6, 0, 0, 0,                // tcp
                  0x1f, 0x90, 0, 0],         // th dport 8080, padded
            keyEnd: [0x6b, 0xf0, 0xef, 0x3b, 0x44, 0xcb, 0xad, 0x52, 6, 0, 0, 0,
                     0x1f, 0x99, 0, 0],      // ... up to 8089
            value: .verdict(.goto("p2")))])
    }

    @Test func antiSpoofingKeys() {
        #expect(RoutedSets.elements(.spoof4(ifname: "hv1", IPv4Address(0x0A42_0001))) == [NFTElement(
            key: [0x68, 0x76, 0x31] + [UInt8](repeating: 0, count: 13)   // "hv1", IFNAMSIZ bytes
                + [10, 66, 0, 1])])                                       // 10.66.0.1
    }

    @Test func elementListsAreCutIntoMessagesUnder64KiB() throws {
        let b = NFTBatch(family: .inet, table: "routed", firstSequence: 100)
        let els = (0..<10_000).map { i in NFTElement(key: [UInt8](repeating: UInt8(i & 0xff), count: 16), keyEnd: [UInt8](repeating: 1, count: 16), value: .verdict(.goto("p1"))) }
        try b.addElements(set: "vports", els)
        #expect(b.commandCount == (10_000 + NFTBatch.elementsPerMessage - 1) / NFTBatch.elementsPerMessage)
    }
}
