import Datastore
import IPAM
import Testing

@Test func zzTiming() async throws {
    let dir = try TempDir()
    let s = try SQLiteDatastore(path: dir.database)
    try await s.createPool(Pool(name: "p", cidr: "10.0.0.0/22", blockLength: 28))
    _ = try await s.createNetwork("n")
    let a = IPAllocator(store: s)
    let t0 = ContinuousClock.now
    for i in 0..<1000 {
        _ = try await a.allocate(endpoint: "e\(i)", network: "n", host: "h")
        try await a.release(endpoint: "e\(i)", host: "h")
    }
    print("single: \(ContinuousClock.now - t0)")
    let t1 = ContinuousClock.now
    for _ in 0..<1000 { _ = try await s.pools() }
    print("pools read x1000: \(ContinuousClock.now - t1)")
    let t2 = ContinuousClock.now
    for _ in 0..<1000 { _ = try await s.heartbeat(host: "h", at: 1) }
    print("write x1000: \(ContinuousClock.now - t2)")
}
