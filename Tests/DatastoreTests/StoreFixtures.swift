import Datastore
import Foundation
import IPAM
import IPAddressing
import Synchronization
import Testing

func ip(_ s: String) -> IPAddress { IPAddress(s)! }
func cidr(_ s: String) -> IPPrefix { IPPrefix(s)! }

/// The stores the shared behaviour suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite
    var testDescription: String { rawValue }
}

/// A temporary directory removed when the fixture is released.
final class TempDir: Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("routed-ipam-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    var database: String { path + "/routed.sqlite" }
}

/// A store of `kind`, kept alive with its directory.
struct Fixture {
    let store: any Datastore
    let dir: TempDir
    init(_ kind: StoreKind) throws {
        dir = try TempDir()
        switch kind {
        case .memory: store = InMemoryDatastore()
        case .sqlite: store = try SQLiteDatastore(path: dir.database, pollInterval: .milliseconds(10))
        }
    }
}

/// A manual clock (seconds).
final class ManualClock: Sendable {
    private let t = Mutex<Int64>(1_000)
    var now: Int64 { t.withLock { $0 } }
    func advance(_ s: Int64) { t.withLock { $0 += s } }
    var function: @Sendable () -> Int64 { { [self] in self.now } }
}

/// Collects `count` changes from `stream`, giving up after `seconds` (bounded wait).
func collect(_ stream: AsyncStream<DatastoreChange>, count: Int, within seconds: Double = 5) async -> [DatastoreChange] {
    await withTaskGroup(of: [DatastoreChange]?.self) { group in
        group.addTask {
            var out: [DatastoreChange] = []
            for await c in stream {
                out.append(c)
                if out.count == count { break }
            }
            return out
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = await group.next()!
        group.cancelAll()
        if let got = first { return got }
        return (await group.next() ?? nil) ?? []
    }
}
