import Testing
import BGPWire
import IPAddressing
@testable import BGPCore
import SeededRandom

/// The Loc-RIB's open-addressing table agrees with `Dictionary` through seeded random inserts,
/// replacements and deletions (backward-shift deletion across wrap-around and growth included).
@Suite struct PrefixHashTableTests {
    static func slot(_ n: UInt32) -> PrefixSlot {
        PrefixSlot(StoredPath(peer: PeerID(rawValue: UInt16(n % 7)), pathID: n, attributes: n, stale: false), selected: n % 2 == 0)
    }

    /// Key `i`: the default route, then /24s of 10.0.0.0/13, then /32s of 10.0.0.0/21.
    static func key(_ i: Int) -> IPv4PrefixKey {
        if i == 0 { return IPv4PrefixKey(IPv4Prefix(unchecked: 0, length: 0)) }
        let n = UInt32(i % 1500)
        if i < 1500 { return IPv4PrefixKey(IPv4Prefix(unchecked: 0x0A00_0000 | n << 8, length: 24)) }
        return IPv4PrefixKey(IPv4Prefix(unchecked: 0x0A00_0000 | n, length: 32))
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomOperationsAgreeWithADictionary(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var table = PrefixHashTable<IPv4PrefixKey, PrefixSlot>()
        var model: [IPv4PrefixKey: UInt32] = [:]
        // Few distinct keys (/24s and /32s of one /16, and the default route), so runs collide and deletions shift.
        let keys: [IPv4PrefixKey] = (0..<3000).map(Self.key)
        for step in 0..<30_000 {
            let key = keys.randomElement(using: &rng)!
            if Int.random(in: 0..<3, using: &rng) == 0 {
                table[key] = nil
                model[key] = nil
            } else {
                let n = UInt32.random(in: 0...1000, using: &rng)
                table[key] = Self.slot(n)
                model[key] = n
            }
            if step % 1000 == 999 || step < 50 {
                #expect(table.count == model.count, "seed \(seed) step \(step)")
                for k in keys { #expect(table[k]?.pathID == model[k], "seed \(seed) step \(step) key \(String(describing: k.prefix))") }
                #expect(Set(table.entries.map { $0.key.raw }) == Set(model.keys.map(\.raw)))
            }
        }
        for k in keys { table[k] = nil }
        #expect(table.count == 0 && table.entries.isEmpty)
    }
}

/// `PrefixSet` (a peer's Adj-RIB-Out) agrees with `Set<IPPrefix>` through seeded random inserts and
/// removals of IPv4 and IPv6 prefixes, with and without room reserved up front.
@Suite struct PrefixSetTests {
    /// /24s and /32s of 10.0.0.0/13 and /48s of 2001:db8::/32.
    static let prefixes: [IPPrefix] = (0..<2000).map { i in
        if i % 5 == 4 { return .v6(IPv6Prefix(IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64(i) << 16, low: 0), length: 48)) }
        return .v4(i % 2 == 0 ? IPv4Prefix(unchecked: 0x0A00_0000 | UInt32(i) << 8, length: 24)
                              : IPv4Prefix(unchecked: 0x0A00_0000 | UInt32(i) << 8 | 1, length: 32))
    }

    @Test(arguments: [1, 2, 3] as [UInt64], [0, 5000])
    func randomOperationsAgreeWithASet(seed: UInt64, reserved: Int) {
        var rng = SplitMix64(seed: seed)
        var set = PrefixSet()
        set.reserveIPv4(reserved)
        var model = Set<IPPrefix>()
        for step in 0..<20_000 {
            let p = Self.prefixes.randomElement(using: &rng)!
            if Bool.random(using: &rng) {
                #expect(set.insert(p) == model.insert(p).inserted, "seed \(seed) step \(step) insert \(p)")
            } else {
                #expect(set.remove(p) == (model.remove(p) != nil), "seed \(seed) step \(step) remove \(p)")
            }
            #expect(set.count == model.count && set.isEmpty == model.isEmpty)
        }
        for p in Self.prefixes { #expect(set.contains(p) == model.contains(p), "\(p)") }
    }
}

/// An Adj-RIB-Out is filled in the Loc-RIB's storage order (a new peer's table, in steps). Hashed
/// like the Loc-RIB, the first keys of that order all have small hashes and pile up in one probe
/// run of the smaller set (quadratic inserts: an advertisement of 1M prefixes took 40 s); hashed
/// differently, they spread.
@Suite struct PrefixSetClusteringTests {
    @Test func aSetFilledInTheLocRIBsStorageOrderKeepsShortProbeRuns() {
        var rib = LocRIB()
        let peer = rib.addPeer(RIBPeer(address: IPAddress("192.0.2.1")!, asn: 65001, routerID: IPv4Address("10.0.0.1")!, isExternal: true))
        let prefixes = (0..<40_000).map { IPPrefix.v4(IPv4Prefix(unchecked: 0x0A00_0000 | UInt32($0), length: 32)) }
        let attributes = RouteAttributes(attributes: PathAttributes([PathAttribute(.origin(.igp))]), nextHop: IPAddress("192.0.2.1"))
        _ = rib.announce(prefixes, attributes: attributes, from: peer)
        // The first step of a walk: a tenth of the table, in storage order.
        let first = rib.bestRoutes(inPrefixOrder: false).map(\.prefix).prefix(4_000)
        var set = PrefixSet()
        var same = PrefixHashTable<IPv4PrefixKey, Bool>()
        for p in first {
            set.insert(p)
            if case .v4(let v4) = p { same[IPv4PrefixKey(v4)] = true }
        }
        #expect(set.count == 4_000)
        #expect(set.longestRun < 100, "longest probe run \(set.longestRun)")
        // The Loc-RIB's own hashing piles them up: the reason the set hashes differently.
        #expect(same.longestRun > 2_000, "longest probe run hashed like the Loc-RIB: \(same.longestRun)")
    }
}

/// A new peer's table now arrives in prefix order, and the set keeps consecutive keys in
/// neighbouring buckets (blocks of 16) so the walk does not miss the cache per prefix. Patterns
/// that share the low bits of the network number still spread over the blocks.
@Suite struct PrefixSetBlockTests {
    static func v4(_ a: UInt32, _ length: UInt8) -> IPPrefix {
        .v4(IPv4Prefix(unchecked: length == 0 ? 0 : a & ~UInt32(0) << (32 - UInt32(length)), length: length))
    }

    enum Pattern: String, CaseIterable, CustomTestStringConvertible {
        case consecutive = "100,000 consecutive /32s"
        case every16th = "50,000 /24s, every 16th (the same low 4 bits)"
        case every256th = "50,000 /24s, every 256th"
        case everyLength = "2,000 addresses at every length"
        var testDescription: String { rawValue }
        var prefixes: [IPPrefix] {
            switch self {
            case .consecutive: (0..<100_000).map { v4(0x0A00_0000 + UInt32($0), 32) }
            case .every16th: (0..<50_000).map { v4(0x0A00_0000 + UInt32($0) << 12, 24) }
            case .every256th: (0..<50_000).map { v4(UInt32($0) << 16, 24) }
            case .everyLength: (0..<2_000).flatMap { a in (0...32).map { v4(0x0B00_0000 + UInt32(a) << 8, UInt8($0)) } }
            }
        }
    }

    @Test(arguments: Pattern.allCases)
    func keepsShortProbeRuns(_ pattern: Pattern) {
        var set = PrefixSet()
        let prefixes = pattern.prefixes
        for p in prefixes { set.insert(p) }
        let distinct = Set(prefixes)
        #expect(set.count == distinct.count)
        #expect(distinct.allSatisfy(set.contains), "every prefix is found")
        #expect(!set.contains(Self.v4(0xC000_0200, 24)), "an absent one is not")
        #expect(set.longestRun < 100, "longest probe run \(set.longestRun)")
    }
}
