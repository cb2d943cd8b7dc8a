import AsyncHTTPClient
import CNetlinkShim
import Datastore
import Foundation
import Netlink
import NIOPosix
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
        case .etcd: store = try await EtcdServer.store(prefix: "/t-\(UUID().uuidString)/")
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

/// One real etcd (Debian's etcd-server) per test process, listening on 127.0.0.1 of a network
/// namespace of its own (`ip netns add rd<pid>xetcd`, `lo` up, `ip netns exec NS etcd ...`), so
/// its fixed ports clash with nothing; each fixture uses its own key prefix. The tests reach it
/// through an `HTTPClient` whose single event-loop thread entered that namespace first
/// (`setns(2)` switches only the calling thread), so every socket the client opens is inside.
///
/// Everything is started through `sh`, which kills etcd by pid, deletes the namespace and the
/// data directory as soon as the test process's end of a pipe closes: none of it outlives the
/// tests, whatever way they exit.
enum EtcdServer {
    struct Running: Sendable {
        var namespace: String
        var etcdPID: Int32
        var endpoint: DatastoreSpec.Endpoint
        var client: HTTPClient
    }

    nonisolated(unsafe) private static var keeper: Pipe?
    private static let started: Result<Running, any Error> = Result { try start() }

    /// The running server, once it answers (bounded: 15 s).
    static func running() async throws -> Running {
        let r = try started.get()
        let probe = EtcdDatastore(endpoints: [r.endpoint], prefix: "/probe/", client: r.client)
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            do { _ = try await probe.hosts(); return r } catch {
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// A store on the test etcd under `prefix`, talking from inside its namespace.
    static func store(prefix: String, hostTTL: Int64 = 600) async throws -> EtcdDatastore {
        let r = try await running()
        return EtcdDatastore(endpoints: [r.endpoint], prefix: prefix, hostTTL: hostTTL, client: r.client)
    }

    private static func start() throws -> Running {
        let ns = "rd\(getpid())xetcd"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("routed-etcd-\(getpid())").path
        let script = """
            ip netns add \(ns) || exit 1
            ip -n \(ns) link set lo up || { ip netns del \(ns); exit 1; }
            rm -rf '\(dir)'; mkdir -p '\(dir)'
            ip netns exec \(ns) etcd --name t --data-dir '\(dir)/data' --listen-client-urls http://127.0.0.1:2379 \\
                 --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \\
                 --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster t=http://127.0.0.1:2380 \\
                 >'\(dir)/log' 2>&1 &
            e=$!
            echo "$e"
            cat >/dev/null
            { kill -9 $e; wait $e; } 2>/dev/null; ip netns del \(ns); rm -rf '\(dir)'
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        try p.run()
        keeper = stdin
        // The first line is etcd's pid; EOF means the namespace could not be made.
        var line = [UInt8]()
        while true {
            let d = stdout.fileHandleForReading.readData(ofLength: 1)
            guard let c = d.first else { break }
            if c == UInt8(ascii: "\n") { break }
            line.append(c)
        }
        guard let pid = Int32(String(decoding: line, as: UTF8.self)) else {
            throw CommandFailed(command: ["ip", "netns", "add", ns], status: 1, output: "could not start etcd in a namespace (root needed)")
        }
        let handle = try NetworkNamespace(named: ns)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try group.next().submit {
            guard routed_setns_net(handle.fileDescriptor) == 0 else {
                throw NetlinkError.system(call: "setns(\(handle.path), CLONE_NEWNET)", errno: errno)
            }
        }.wait()
        let client = HTTPClient(eventLoopGroupProvider: .shared(group))
        return Running(namespace: ns, etcdPID: pid, endpoint: DatastoreSpec.Endpoint(host: "127.0.0.1", port: 2379), client: client)
    }
}

/// A command that failed, with what it printed.
struct CommandFailed: Error, CustomStringConvertible {
    var command: [String]
    var status: Int32
    var output: String
    var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
}
