import Datastore
import IPAM
import IPAddressing
import Synchronization
import Testing

/// A store that lets a rival allocator write between every `every`-th plan and its swap, so the
/// swap fails and the allocator must plan again: the retry path, deterministically.
final class RivalStore: Datastore {
    let inner = InMemoryDatastore()
    let every: Int
    private let count = Mutex(0)
    let conflicts = Mutex(0)
    let rivalAddresses = Mutex<[IPAddress]>([])

    init(every: Int) { self.every = every }

    func compareAndSwap(_ block: Block) async throws -> Bool {
        let n = count.withLock { $0 += 1; return $0 }
        if n % every == 0 {
            // The rival takes an address in the very block being swapped (if it has room).
            let rival = IPAllocator(store: inner)
            let a = try? await rival.allocate(endpoint: "rival\(n)", network: block.network, host: block.host)
            if let a { rivalAddresses.withLock { $0.append(a) } }
        }
        let ok = try await inner.compareAndSwap(block)
        if !ok { conflicts.withLock { $0 += 1 } }
        return ok
    }

    func pools() async throws -> [Pool] { try await inner.pools() }
    func createPool(_ pool: Pool) async throws { try await inner.createPool(pool) }
    func deletePool(named name: String) async throws { try await inner.deletePool(named: name) }
    func blocks(host: String?, network: String?) async throws -> [Block] { try await inner.blocks(host: host, network: network) }
    func deleteBlock(_ cidr: IPPrefix, revision: UInt64) async throws -> Bool { try await inner.deleteBlock(cidr, revision: revision) }
    func networks() async throws -> [NetworkRecord] { try await inner.networks() }
    func createNetwork(_ name: String) async throws -> NetworkRecord { try await inner.createNetwork(name) }
    func deleteNetwork(_ name: String) async throws { try await inner.deleteNetwork(name) }
    func endpoints() async throws -> [EndpointRecord] { try await inner.endpoints() }
    func putEndpoint(_ endpoint: EndpointRecord) async throws { try await inner.putEndpoint(endpoint) }
    func deleteEndpoint(named name: String) async throws { try await inner.deleteEndpoint(named: name) }
    func policies() async throws -> [PolicyRecord] { try await inner.policies() }
    func addPolicy(_ policy: PolicyRecord) async throws -> PolicyRecord { try await inner.addPolicy(policy) }
    func deletePolicy(id: Int64) async throws { try await inner.deletePolicy(id: id) }
    func hosts() async throws -> [HostRecord] { try await inner.hosts() }
    func heartbeat(host: String, at: Int64) async throws { try await inner.heartbeat(host: host, at: at) }
    func heartbeat(host: String, at: Int64, bgpAddress: IPAddress?, bgpPort: UInt16) async throws {
        try await inner.heartbeat(host: host, at: at, bgpAddress: bgpAddress, bgpPort: bgpPort)
    }
    func deleteHost(_ name: String) async throws { try await inner.deleteHost(name) }
    func changes() -> AsyncStream<DatastoreChange> { inner.changes() }
}

@Suite struct ConflictInjectionTests {
    @Test(arguments: [2, 3, 5])
    func allocationsRetryAfterALostSwapAndNeverCollide(every: Int) async throws {
        let store = RivalStore(every: every)
        try await store.createPool(Pool(name: "p", cidr: "10.0.0.0/24", blockLength: 28))
        _ = try await store.createNetwork("n")
        let alloc = IPAllocator(store: store)
        var mine: [IPAddress] = []
        for i in 0..<60 {
            mine.append(try await alloc.allocate(endpoint: "e\(i)", network: "n", host: "h"))
            if i % 3 == 2 { #expect(try await alloc.release(endpoint: "e\(i - 1)", host: "h") == [mine[i - 1]]) }
        }
        #expect(store.conflicts.withLock { $0 } > 0, "the rival did force lost swaps")
        let rivals = store.rivalAddresses.withLock { $0 }
        let held = try await store.blocks().flatMap { $0.allocations }
        #expect(Set(held.map(\.address)).count == held.count)
        #expect(held.count == 60 - 20 + rivals.count, "every allocation, rival or not, held exactly once")
        #expect(Set(rivals).isDisjoint(with: held.filter { $0.allocation.endpoint.hasPrefix("e") }.map(\.address)))
    }
}
