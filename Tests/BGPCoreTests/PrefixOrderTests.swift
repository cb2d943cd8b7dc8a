import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// `PrefixOrder` hands out a table's buckets in prefix order, however the walk steps through it,
/// sorting each group of keys (same top 16 address bits) only when the walk reaches it.
@Suite struct PrefixOrderTests {
    static func table(_ prefixes: [IPv4Prefix]) -> PrefixHashTable<IPv4PrefixKey, PrefixSlot> {
        var t = PrefixHashTable<IPv4PrefixKey, PrefixSlot>()
        for (i, p) in prefixes.enumerated() { t[IPv4PrefixKey(p)] = PrefixHashTableTests.slot(UInt32(i)) }
        return t
    }

    static func v4(_ a: UInt32, _ length: UInt8) -> IPv4Prefix { IPv4Prefix(unchecked: a, length: length) }

    @Test(arguments: [
        ("empty", []),
        ("one prefix", [v4(0x0A00_0000, 8)]),
        ("4,000 /24s over sixteen /16s", (0..<4_000).map { v4(0x0A00_0000 + UInt32($0) << 8, 24) }),
        ("4,000 /32s in one /16: one group", (0..<4_000).map { v4(0xC0A8_0000 + UInt32($0), 32) }),
        ("one address at every length, and the default route", (0...32).map { v4(0x0A00_0000, UInt8($0)) }),
        ("spread over the whole space", (0..<3_000).map { v4(UInt32($0) &* 2_654_435_761, 32) }),
    ] as [(String, [IPv4Prefix])], [1, 7, 1_000])
    func walksInPrefixOrder(_ table: (what: String, prefixes: [IPv4Prefix]), step: Int) {
        let (what, prefixes) = table
        let t = Self.table(prefixes)
        var order = PrefixOrder(t)
        #expect(order.count == t.count, "\(what)")
        var walked: [IPv4PrefixKey] = []
        var position = 0
        while position < order.count {
            let end = min(position + step, order.count)
            walked += order.entries(position..<end).map { word in
                #expect(t.key(at: PrefixOrder.bucket(word)) == PrefixOrder.key(word), "the word's bucket holds its key")
                return PrefixOrder.key(word)
            }
            position = end
        }
        #expect(walked == Set(prefixes.map(IPv4PrefixKey.init)).sorted(), "\(what), steps of \(step)")
    }
}

/// `LocRIB.TableSnapshot` walks IPv4 then IPv6, each in prefix order, whatever the step, both
/// with `PrefixOrder` and with the sort up front it uses for IPv6 and for IPv4 tables too large
/// for `PrefixOrder`.
@Suite struct TableSnapshotTests {
    static let v4 = ["10.0.2.0/24", "0.0.0.0/0", "10.0.0.0/8", "192.0.2.7/32", "10.0.1.0/24", "10.1.0.0/16"].map { IPPrefix($0)! }
    static let v6 = ["2001:db8:1::/48", "::/0", "2001:db8::/32", "fd00::1/128"].map { IPPrefix($0)! }

    @Test(arguments: [PrefixOrder.maxCapacity, 0], [1, 3, 4, 100])
    func walksIPv4ThenIPv6InPrefixOrder(prefixOrderCapacity: Int, step: Int) {
        var rib = LocRIB()
        let peer = rib.addPeer(RIBPeer(address: IPAddress("192.0.2.1")!, asn: 65001, routerID: IPv4Address("10.0.0.1")!, isExternal: true))
        let attributes = RouteAttributes(attributes: PathAttributes([PathAttribute(.origin(.igp))]), nextHop: IPAddress("192.0.2.1"))
        _ = rib.announce(Self.v4 + Self.v6, attributes: attributes, from: peer)
        var snapshot = rib.snapshot(prefixOrderCapacity: prefixOrderCapacity)
        #expect(snapshot.count4 == Self.v4.count)
        var cursor = LocRIB.TableSnapshot.Cursor()
        var walked: [IPPrefix] = []
        var steps = 0
        while !snapshot.isDone(cursor), steps < 20 {
            walked += rib.bestRoutes(in: &snapshot, from: &cursor, limit: step, skipping: PrefixSet()).map(\.prefix)
            steps += 1
        }
        #expect(walked == Self.v4.sorted() + Self.v6.sorted())
        #expect(steps == (Self.v4.count + Self.v6.count + step - 1) / step)
    }
}
