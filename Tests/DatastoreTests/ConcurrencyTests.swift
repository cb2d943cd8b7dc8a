import SeededRandom
import Datastore
import Foundation
import IPAM
import IPAddressing
import Synchronization
import Testing

/// Three agents' worth of allocators share one store; eight clients each allocate and release
/// 1,000 addresses concurrently; a live map catches any address held twice at once, and the
/// audit afterwards finds nothing leaked.
@Suite(.serialized) struct ConcurrencyTests {
    static let clients = 8
    static let perClient = 1_000
    static let window = 12

    @Test(arguments: StoreKind.allCases)
    func eightClientsThreeAllocatorsNoDuplicateNoLeak(kind: StoreKind) async throws {
        let dir = try TempDir()
        let stores: [any Datastore]
        switch kind {
        case .memory:
            let one = InMemoryDatastore()
            stores = [one, one, one]
        case .sqlite:
            // Three handles (three connection pools) on one file, as three agents would have.
            stores = try (0..<3).map { _ in try SQLiteDatastore(path: dir.database) }
        case .etcd:
            // Three clients on one etcd; every call is an HTTP round trip (~1 ms), so fewer
            // addresses per client keep the test short (ROUTED_FULL_ETCD=1: the full 1,000).
            let prefix = "/c-\(UUID().uuidString)/"
            var three: [any Datastore] = []
            for _ in 0..<3 { three.append(try await EtcdServer.store(prefix: prefix)) }
            stores = three
        }
        let perClient = kind == .etcd && ProcessInfo.processInfo.environment["ROUTED_FULL_ETCD"] == nil ? 60 : Self.perClient
        try await stores[0].createPool(Pool(name: "p", cidr: "10.0.0.0/22", blockLength: 28))
        try await stores[0].createPool(Pool(name: "v6", cidr: "fd00::/112", blockLength: 124))
        for n in ["lamp", "lnmp"] { _ = try await stores[0].createNetwork(n) }
        for h in 0..<3 { try await stores[h].heartbeat(host: "h\(h)", at: IPAllocator.wallClock()) }
        let allocators = stores.map { IPAllocator(store: $0) }

        let audit = Audit()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<Self.clients {
                group.addTask {
                    let alloc = allocators[c % 3]
                    let host = "h\(c % 3)", network = c % 2 == 0 ? "lamp" : "lnmp"
                    var mine: [(String, IPAddress)] = []
                    var rng = SplitMix64(seed: UInt64(c + 1))
                    for k in 0..<perClient {
                        let ep = "c\(c)-\(k)"
                        let family: IPFamily = k % 4 == 3 ? .v6 : .v4
                        let a = try await alloc.allocate(endpoint: ep, network: network, host: host, family: family)
                        audit.live.withLock { m in
                            if let other = m[a] { audit.duplicates.withLock { $0.append("\(a): \(other) and \(ep)") } }
                            m[a] = ep
                        }
                        audit.allocations.withLock { $0 += 1 }
                        mine.append((ep, a))
                        if mine.count > Self.window {
                            let (old, addr) = mine.remove(at: Int(rng.next() % UInt64(mine.count)))
                            // Out of the live map first: until release returns the store still holds it.
                            audit.live.withLock { _ = $0.removeValue(forKey: addr) }
                            #expect(try await alloc.release(endpoint: old, host: host) == [addr])
                        }
                    }
                    for (old, addr) in mine {
                        audit.live.withLock { _ = $0.removeValue(forKey: addr) }
                        #expect(try await alloc.release(endpoint: old, host: host) == [addr])
                    }
                }
            }
            try await group.waitForAll()
        }

        #expect(audit.duplicates.withLock { $0 } == [], "an address was held by two endpoints at once")
        #expect(audit.allocations.withLock { $0 } == Self.clients * perClient)
        let report = try await allocators[0].report()
        #expect(report.leaked.isEmpty, "leaked: \(report.leaked)")
        #expect(report.blocks.allSatisfy { $0.allocated == 0 }, "allocations left behind")
        let blocks = try await stores[1].blocks().map(\.cidr)
        for (i, b) in blocks.enumerated() { for c in blocks[(i + 1)...] { #expect(!b.overlaps(c)) } }
        // Each (host, network) pair needs at most ceil(window·clients-on-pair / 16) blocks per family:
        // released addresses are reused, never a new block claimed while one has room.
        #expect(blocks.count <= 2 * 6 * 2)
        withExtendedLifetime(dir) {}
    }
}

/// What the clients record while they run.
final class Audit: Sendable {
    /// Address → endpoint currently holding it, by the clients' own account.
    let live = Mutex<[IPAddress: String]>([:])
    let duplicates = Mutex<[String]>([])
    let allocations = Mutex(0)
}
