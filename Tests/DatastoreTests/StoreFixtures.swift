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
    case memory, sqlite, etcd
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
    init(_ kind: StoreKind) async throws {
        dir = try TempDir()
        switch kind {
        case .memory: store = InMemoryDatastore()
        case .sqlite: store = try SQLiteDatastore(path: dir.database, pollInterval: .milliseconds(10))
        case .etcd: store = EtcdDatastore(endpoints: [try await EtcdServer.endpoint()], prefix: "/t-\(UUID().uuidString)/")
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

/// One real etcd (Debian's etcd-server) per test process, on loopback with per-run ports; each
/// fixture uses its own key prefix. The server is started through `sh`, which kills it (and
/// removes its data directory) as soon as the test process's end of a pipe closes: it never
/// outlives the tests, whatever way they exit.
enum EtcdServer {
    nonisolated(unsafe) private static var keeper: Pipe?
    private static let started: Result<DatastoreSpec.Endpoint, any Error> = Result { try start() }

    static func endpoint() async throws -> DatastoreSpec.Endpoint {
        let ep = try started.get()
        let probe = EtcdDatastore(endpoints: [ep], prefix: "/probe/")
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            do { _ = try await probe.hosts(); return ep } catch {
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private static func start() throws -> DatastoreSpec.Endpoint {
        let port = UInt16(20_000 + Int(getpid()) % 20_000)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("routed-etcd-\(getpid())").path
        let script = """
            rm -rf '\(dir)'; mkdir -p '\(dir)'
            etcd --name t --data-dir '\(dir)/data' --listen-client-urls http://127.0.0.1:\(port) \\
                 --advertise-client-urls http://127.0.0.1:\(port) --listen-peer-urls http://127.0.0.1:\(port + 1) \\
                 --initial-advertise-peer-urls http://127.0.0.1:\(port + 1) --initial-cluster t=http://127.0.0.1:\(port + 1) \\
                 >'\(dir)/log' 2>&1 &
            e=$!
            cat >/dev/null
            kill -9 $e; wait $e; rm -rf '\(dir)'
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        let pipe = Pipe()
        p.standardInput = pipe
        try p.run()
        keeper = pipe
        return DatastoreSpec.Endpoint(host: "127.0.0.1", port: port)
    }
}
