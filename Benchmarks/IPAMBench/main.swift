// routed-ipam-bench [ROUNDS] [CHECKPOINT-MS] [etcd://HOST:PORT] — allocation + release round trip through IPAllocator, on a SQLite
// file in a temporary directory (WAL, synchronous=NORMAL) and on the in-memory store.
// Build it in release: swift build -c release --product routed-ipam-bench
import Datastore
import Foundation
import IPAM

func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func micros(_ d: Duration) -> String {
    let (s, a) = d.components
    return String(format: "%.1f µs", Double(s) * 1e6 + Double(a) / 1e12)
}

func bench(_ name: String, _ store: any Datastore, rounds: Int) async throws {
    try await store.createPool(Pool(name: "p", cidr: "10.0.0.0/16", blockLength: 26))
    _ = try await store.createNetwork("n")
    let alloc = IPAllocator(store: store)
    // A realistic block: 40 of 64 addresses already held by other endpoints.
    for i in 0..<40 { _ = try await alloc.allocate(endpoint: "resident\(i)", network: "n", host: "h") }
    for i in 0..<200 {   // warm-up
        _ = try await alloc.allocate(endpoint: "w\(i)", network: "n", host: "h")
        try await alloc.release(endpoint: "w\(i)", host: "h")
    }
    var samples: [Duration] = []
    samples.reserveCapacity(rounds)
    let clock = ContinuousClock()
    for i in 0..<rounds {
        let t0 = clock.now
        _ = try await alloc.allocate(endpoint: "e\(i)", network: "n", host: "h")
        try await alloc.release(endpoint: "e\(i)", host: "h")
        samples.append(clock.now - t0)
    }
    samples.sort()
    print("\(name): \(rounds) allocate+release round trips: median \(micros(percentile(samples, 0.5))), "
          + "p99 \(micros(percentile(samples, 0.99))), max \(micros(samples.last!))")
}

let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 5000 : 5000
let checkpointMs = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 1000 : 1000
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("routed-ipam-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: dir) }
try await bench("sqlite", SQLiteDatastore(path: dir + "/bench.sqlite", checkpointInterval: .milliseconds(checkpointMs)), rounds: rounds)
try await bench("memory", InMemoryDatastore(), rounds: rounds)
if CommandLine.arguments.count > 3, case .etcd(let eps) = try DatastoreSpec(parsing: CommandLine.arguments[3]) {
    try await bench("etcd", EtcdDatastore(endpoints: eps, prefix: "/bench-\(getpid())/"), rounds: rounds)
}
