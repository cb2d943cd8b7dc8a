import Testing
import TestScheduling
import Policy
import IPAddressing

/// Re-partitioning only under a changed prefix gives exactly the intervals of a full compile.
@Suite(.blockingWork) struct PrefixIndexTests {
    /// A small deterministic generator (xorshift), so a failure replays.
    struct Seeded { var s: UInt64; mutating func next(_ n: Int) -> Int { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return Int(s % UInt64(n)) } }

    @Test(arguments: [1, 2, 3, 42, 4711] as [UInt64])
    func incrementalRelabelEqualsAFullPartition(seed: UInt64) throws {
        var g = Seeded(s: seed)
        let nets = (0..<4).map { NetworkID(rawValue: 100 + UInt32($0)) }
        var m = Memberships()
        var index = PrefixIndex<UInt32>()
        var intervals = PolicyCompiler.compile(PolicyBook(), memberships: m).addresses4
        for step in 0..<300 {
            // Prefixes inside 10.0.0.0/16, lengths 16...32, so they nest and collide often.
            let len = 16 + g.next(17)
            let addr = IPv4Address(0x0A00_0000 | UInt32(g.next(1 << 16)))
            let p = IPv4Prefix(addr, length: UInt8(len))
            let net = nets[g.next(nets.count)]
            if m.prefixes[net]?.contains(.v4(p)) == true {
                m.remove(.v4(p), from: net)
                index.remove(first: p.address.value, length: len, network: net)
            } else {
                try m.insert(.v4(p), into: net)
                index.insert(first: p.address.value, length: len, network: net)
            }
            let before = intervals
            let (removed, added) = index.relabel(first: p.address.value, length: len, in: &intervals)
            let full = PolicyCompiler.compile(PolicyBook(), memberships: m).addresses4
            #expect(intervals == full, "step \(step): \(p) in \(net)")
            #expect(Set(before).subtracting(intervals) == Set(removed) && Set(intervals).subtracting(before) == Set(added))
            if intervals != full { return }
        }
    }
}
