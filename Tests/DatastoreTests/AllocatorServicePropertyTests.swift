import SeededRandom
import Datastore
import IPAM
import IPAddressing
import Testing

/// Seeded random churn through the allocator service on each store, checked against a plain
/// model: no address twice, every release reusable, blocks disjoint and inside their pools.
@Suite struct AllocatorServicePropertyTests {
    @Test(arguments: StoreKind.allCases, [5, 77] as [UInt64])
    func churnThroughTheService(kind: StoreKind, seed: UInt64) async throws {
        let f = try await Fixture(kind)
        try await f.store.createPool(Pool(name: "a", cidr: "10.0.0.0/25", blockLength: 29, reserved: ["10.0.0.0/31"]))
        try await f.store.createPool(Pool(name: "v6", cidr: "fd00::/120", blockLength: 125))
        for n in ["lamp", "lnmp"] { _ = try await f.store.createNetwork(n) }
        let alloc = IPAllocator(store: f.store)
        var rng = SplitMix64(seed: seed)
        var held: [String: IPAddress] = [:]
        for step in 0..<(kind == .etcd ? 150 : 400) {
            if held.isEmpty || rng.next() % 10 < 6 {
                let ep = "ep\(step)"
                let host = "h\(rng.next() % 3)", net = rng.next() % 2 == 0 ? "lamp" : "lnmp"
                let family: IPFamily = rng.next() % 2 == 0 ? .v4 : .v6
                do {
                    let a = try await alloc.allocate(endpoint: ep, network: net, host: host, family: family)
                    #expect(!held.values.contains(a), "seed \(seed) step \(step): \(a) twice")
                    held[ep] = a
                } catch let e as IPAMError {
                    guard case .poolExhausted = e else { Issue.record("\(e)"); return }
                }
            } else {
                let ep = held.keys.sorted()[Int(rng.next() % UInt64(held.count))]
                let a = held.removeValue(forKey: ep)!
                #expect(try await alloc.release(endpoint: ep) == [a])
            }
        }
        let blocks = try await f.store.blocks()
        let stored = Dictionary(uniqueKeysWithValues: blocks.flatMap { b in b.allocations.map { ($0.allocation.endpoint, $0.address) } })
        #expect(stored == held, "store and model agree")
        let cidrs = blocks.map(\.cidr).sorted()
        for (a, b) in zip(cidrs, cidrs.dropFirst()) { #expect(!a.overlaps(b)) }
        let pools = try await f.store.pools()
        for c in cidrs { #expect(pools.contains { $0.cidr.contains(c) && $0.blockLength == c.length }) }
        #expect(!held.values.contains(ip("10.0.0.0")) && !held.values.contains(ip("10.0.0.1")), "reserved never handed out")
        // Every release is reusable: free everything, then each block refills to its capacity.
        for ep in held.keys { try await alloc.release(endpoint: ep) }
        for b in try await f.store.blocks() {
            for i in 0..<b.freeCount {
                let a = try await alloc.allocate(endpoint: "re\(b.cidr)-\(i)", network: b.network, host: b.host, family: b.cidr.family)
                #expect(b.cidr.contains(a))
            }
        }
        #expect(try await f.store.blocks().count == cidrs.count, "no new block while released addresses were free")
    }
}
