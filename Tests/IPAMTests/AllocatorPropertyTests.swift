import SeededRandom
import IPAddressing
@testable import IPAM
import Testing

/// Random allocate/release churn over several hosts, networks and both families, checked after
/// every step against a plain model: no address twice, every release reusable, blocks disjoint.
@Suite struct AllocatorPropertyTests {
    @Test(arguments: [1, 2, 3, 42, 1234] as [UInt64])
    func churnKeepsTheInvariants(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var s = IPAMState()
        try s.addPool(Pool(name: "a", cidr: "10.0.0.0/24", blockLength: 28, reserved: ["10.0.0.0/30"]))
        try s.addPool(Pool(name: "b", cidr: "10.9.0.0/25", blockLength: 27))
        try s.addPool(Pool(name: "v6", cidr: "fd00::/120", blockLength: 124))
        var held: [String: IPAddress] = [:]          // endpoint → address (the model)
        var freed: Set<IPAddress> = []               // released and not yet reused
        let hosts = ["h1", "h2", "h3"], nets = ["lamp", "lnmp"]
        for step in 0..<2000 {
            let now = Int64(step)
            if held.isEmpty || Int.random(in: 0..<10, using: &rng) < 6 {
                let ep = "ep\(step)"
                let fam: IPFamily = Bool.random(using: &rng) ? .v4 : .v6
                let req = AllocationRequest(endpoint: ep, network: nets.randomElement(using: &rng)!,
                                            host: hosts.randomElement(using: &rng)!, family: fam)
                let result = Result { () throws(IPAMError) -> IPAddress in try s.allocate(req, now: now) }
                switch result {
                case .success(let a):
                    let twice = held.values.contains(a)
                    #expect(!twice, "seed \(seed) step \(step): \(a) handed out twice")
                    held[ep] = a
                    freed.remove(a)
                case .failure(let e):
                    // Only legitimate when this host's blocks for the network are full and no block is free.
                    let full = s.blocks(host: req.host, network: req.network).filter { $0.cidr.family == fam }.allSatisfy { $0.freeCount == 0 }
                    let exhausted = if case .poolExhausted = e { true } else { false }
                    #expect(exhausted && full, "seed \(seed) step \(step): \(e)")
                }
            } else {
                let ep = held.keys.sorted().randomElement(using: &rng)!
                let a = held.removeValue(forKey: ep)!
                #expect(s.release(endpoint: ep, now: now) == [a])
                freed.insert(a)
            }
            if step % 250 == 0 { try check(s, held: held, seed: seed) }
        }
        try check(s, held: held, seed: seed)
        // Every address released is reusable: release all, then the same host/network gets them back.
        for ep in held.keys { s.release(endpoint: ep, now: 9999) }
        #expect(s.blocks.values.allSatisfy { $0.isEmpty })
        for b in s.blocks.values.sorted(by: { $0.cidr < $1.cidr }) {
            for i in 0..<b.freeCount {
                let a = try s.allocate(AllocationRequest(endpoint: "again\(b.cidr)\(i)", network: b.network, host: b.host,
                                                         family: b.cidr.family), now: 10000)
                #expect(b.cidr.contains(a), "a released address of \(b.cidr) is reused before a new block is claimed")
            }
        }
    }

    private func check(_ s: IPAMState, held: [String: IPAddress], seed: UInt64) throws {
        let all = s.blocks.values.flatMap { b in b.allocations.map { ($0.address, $0.allocation.endpoint) } }
        #expect(Set(all.map(\.0)).count == all.count, "seed \(seed): duplicate address")
        #expect(Dictionary(all.map { ($0.1, $0.0) }, uniquingKeysWith: { a, _ in a }) == held, "seed \(seed): store ≠ model")
        // Sorted by address, overlapping prefixes would sit next to each other.
        let cidrs = s.blocks.keys.sorted()
        for (c, d) in zip(cidrs, cidrs.dropFirst()) { #expect(!c.overlaps(d), "seed \(seed): blocks \(c) and \(d) overlap") }
        for c in cidrs { #expect(s.pools.contains { $0.cidr.contains(c) && $0.blockLength == c.length }) }
        for b in s.blocks.values {
            for (a, _) in b.allocations { #expect(!b.isReserved(a), "reserved \(a) handed out") }
        }
    }
}
