public import IPAM
public import IPAddressing
import GRDB
import Foundation

/// The embedded datastore (`--datastore sqlite:PATH`): one SQLite file in WAL mode, shared safely by
/// several agents on one machine. Every change is one IMMEDIATE transaction (GRDB's default for
/// writes), so a claim's compare-and-swap holds the write lock from its check to its commit;
/// a busy timeout makes the other processes wait instead of failing.
public final class SQLiteDatastore: Datastore {
    public let path: String
    let pool: DatabasePool
    /// How often `changes()` polls the change table (another process's writes are seen this late).
    let pollInterval: Duration
    /// Runs `PRAGMA wal_checkpoint(PASSIVE)` every `checkpointInterval` on its own connection:
    /// a passive checkpoint takes no write lock, so writers (in any process) never wait for it.
    private let checkpointer: Task<Void, Never>

    /// Opens (creating if needed) the file and brings its schema up to date.
    public init(path: String, busyTimeout: Double = 10, pollInterval: Duration = .milliseconds(50),
                checkpointInterval: Duration = .milliseconds(100)) throws {
        self.path = path
        self.pollInterval = pollInterval
        var config = Configuration()
        // SQLite's own busy timeout sleeps 1, 2, 5, 10... ms between tries: far longer than a
        // transaction here lasts (~0.1 ms). Retry in short random pauses instead, up to `busyTimeout`.
        let maxTries = Int(busyTimeout * 1_000_000 / 150)
        config.busyMode = .callback { tries in
            usleep(UInt32.random(in: 50...250))
            return tries < maxTries
        }
        config.maximumReaderCount = 2
        config.prepareDatabase { db in
            // WAL with NORMAL sync: a commit survives a crash of the process (kill -9); only a
            // power loss may lose the last transactions, never corrupt the file.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Checkpoints (copying the WAL back into the file, with an fsync) would otherwise run
            // inside whichever commit crosses 1000 pages, costing that allocation milliseconds.
            // The checkpointer below runs them off the hot path instead.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try SQLiteSchema.migrator.migrate(pool)
            let side = try DatabaseQueue(path: path, configuration: config)
            checkpointer = Task.detached(priority: .utility) {
                while !Task.isCancelled {
                    try? await Task.sleep(for: checkpointInterval)
                    _ = try? await side.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                }
            }
        } catch let e as DatabaseError {
            throw DatastoreError.backend("cannot open \(path): \(e.message ?? e.description)")
        }
    }

    deinit { checkpointer.cancel() }

    // MARK: plumbing

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch let e as DatabaseError { throw backend(e) }
    }

    /// One IMMEDIATE transaction; `body` returns the changes to log with it.
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> (T, [DatastoreChange])) async throws -> T {
        do {
            return try await pool.write { db in
                let (result, changes) = try body(db)
                for c in changes {
                    let (kind, key) = c.row
                    try db.cachedStatement(sql: "INSERT INTO changes(kind, key) VALUES (?, ?)").execute(arguments: [kind, key])
                }
                if !changes.isEmpty, db.lastInsertedRowID % 1024 == 0 {
                    try db.execute(sql: "DELETE FROM changes WHERE id < ?", arguments: [db.lastInsertedRowID - 65536])
                }
                return result
            }
        } catch let e as DatabaseError { throw backend(e) }
    }

    private func backend(_ e: DatabaseError) -> DatastoreError {
        .backend("\(path): \(e.message ?? "SQLite error") (code \(e.resultCode.rawValue))")
    }

    // MARK: pools

    public func pools() async throws -> [Pool] {
        try await read { db in try Self.loadPools(db) }
    }

    static func loadPools(_ db: Database) throws -> [Pool] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT name, cidr, block_length, reserved FROM pools ORDER BY position")).map { r in
            let reserved: String = r["reserved"]
            return try Pool(name: r["name"], cidr: r["cidr"] as String, blockLength: r["block_length"],
                            reserved: reserved.split(separator: ",").map(String.init))
        }
    }

    public func createPool(_ p: Pool) async throws {
        try await write { db in
            try p.checkJoins(Self.loadPools(db))
            try db.execute(sql: """
                INSERT INTO pools(name, cidr, block_length, reserved, position)
                VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM pools))
                """, arguments: [p.name, p.cidr.description, p.blockLength, p.reserved.map(\.description).joined(separator: ",")])
            return ((), [.pool(p.name)])
        }
    }

    public func deletePool(named name: String) async throws {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM pools WHERE name = ?", arguments: [name]) != nil else {
                throw DatastoreError.unknownPool(name)
            }
            let n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blocks WHERE pool = ?", arguments: [name]) ?? 0
            guard n == 0 else { throw DatastoreError.poolInUse(name, blocks: n) }
            try db.execute(sql: "DELETE FROM pools WHERE name = ?", arguments: [name])
            return ((), [.pool(name)])
        }
    }

    // MARK: blocks

    public func blocks(host: String?, network: String?) async throws -> [Block] {
        try await read { db in try Self.loadBlocks(db, host: host, network: network) }
    }

    public func snapshot(host: String?, network: String?) async throws -> IPAMState {
        try await read { db in
            IPAMState(pools: try Self.loadPools(db), blocks: try Self.loadBlocks(db, host: host, network: network))
        }
    }

    public func readModifyWrite<T: Sendable>(host: String?, network: String?,
                                             _ plan: @escaping @Sendable (IPAMState) throws -> (T, [Block])) async throws -> (T, Bool) {
        try await write { db in
            let (value, writes) = try plan(IPAMState(pools: try Self.loadPools(db), blocks: try Self.loadBlocks(db, host: host, network: network)))
            var all = true, changes: [DatastoreChange] = []
            for b in writes {
                if try Self.compareAndSwap(db, b) { changes.append(.block(b.cidr)) } else { all = false }
            }
            return ((value, all), changes)
        }
    }

    static func loadBlocks(_ db: Database, host: String?, network: String?) throws -> [Block] {
        var sql = "SELECT cidr, pool, host, network, revision, updated_at, state FROM blocks"
            var args: [any DatabaseValueConvertible] = []
            var conds: [String] = []
            if let host { conds.append("host = ?"); args.append(host) }
            if let network { conds.append("network = ?"); args.append(network) }
            if !conds.isEmpty { sql += " WHERE " + conds.joined(separator: " AND ") }
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(args)).map(Self.block)
                .sorted { $0.cidr < $1.cidr }
    }

    static func block(_ r: Row) throws -> Block {
        let text: String = r["cidr"]
        guard let cidr = IPPrefix(text) else { throw IPAMError.unparsableCIDR(text) }
        let state: Data = r["state"]
        return try Block(cidr: cidr, pool: r["pool"], host: r["host"], network: r["network"],
                         revision: UInt64(r["revision"] as Int64), updatedAt: r["updated_at"], encodedState: state)
    }

    public func compareAndSwap(_ b: Block) async throws -> Bool {
        try await write { db in
            let ok = try Self.compareAndSwap(db, b)
            return (ok, ok ? [.block(b.cidr)] : [])
        }
    }

    /// The swap itself, inside the caller's IMMEDIATE transaction.
    static func compareAndSwap(_ db: Database, _ b: Block) throws -> Bool {
        let state = Data(b.encodedState())
        if b.revision == 0 {
            // A claim: the block must fit its pool (so blocks never overlap) and be unclaimed.
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT cidr, block_length FROM pools WHERE name = ?"), arguments: [b.pool]),
                  let pc = IPPrefix(row["cidr"] as String), pc.contains(b.cidr), b.cidr.length == row["block_length"] as UInt8
            else { throw DatastoreError.unknownPool(b.pool) }
            try db.cachedStatement(sql: """
                INSERT INTO blocks(cidr, pool, host, network, revision, updated_at, state) VALUES (?, ?, ?, ?, 1, ?, ?)
                ON CONFLICT(cidr) DO NOTHING
                """).execute(arguments: [b.cidr.description, b.pool, b.host, b.network, b.updatedAt, state])
        } else {
            try db.cachedStatement(sql: """
                UPDATE blocks SET host = ?, network = ?, revision = revision + 1, updated_at = ?, state = ?
                WHERE cidr = ? AND revision = ?
                """).execute(arguments: [b.host, b.network, b.updatedAt, state, b.cidr.description, Int64(b.revision)])
        }
        return db.changesCount == 1
    }

    public func deleteBlock(_ cidr: IPPrefix, revision: UInt64) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM blocks WHERE cidr = ? AND revision = ?", arguments: [cidr.description, Int64(revision)])
            let ok = db.changesCount == 1
            return (ok, ok ? [.block(cidr)] : [])
        }
    }

    // MARK: networks

    public func networks() async throws -> [NetworkRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, id FROM networks ORDER BY id").map {
                NetworkRecord(name: $0["name"], id: UInt32($0["id"] as Int64))
            }
        }
    }

    public func createNetwork(_ name: String) async throws -> NetworkRecord {
        try await write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM networks WHERE name = ?", arguments: [name]) {
                return (NetworkRecord(name: name, id: UInt32(id)), [])
            }
            let used = try Set(Int64.fetchAll(db, sql: "SELECT id FROM networks").map { UInt32($0) })
            guard let id = lowestFreeNetworkID(used) else { throw DatastoreError.networkIdsExhausted }
            try db.execute(sql: "INSERT INTO networks(name, id) VALUES (?, ?)", arguments: [name, Int64(id)])
            return (NetworkRecord(name: name, id: id), [.network(name)])
        }
    }

    public func deleteNetwork(_ name: String) async throws {
        try await write { db in
            let e = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM endpoints WHERE network = ?", arguments: [name]) ?? 0
            let b = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blocks WHERE network = ?", arguments: [name]) ?? 0
            guard e == 0, b == 0 else { throw DatastoreError.networkInUse(name, endpoints: e, blocks: b) }
            try db.execute(sql: "DELETE FROM networks WHERE name = ?", arguments: [name])
            return ((), db.changesCount == 1 ? [.network(name)] : [])
        }
    }

    // MARK: endpoints

    public func endpoints() async throws -> [EndpointRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, network, host, addresses, netns, ifname, container_id FROM endpoints ORDER BY name").map { r in
                let addrs: String = r["addresses"]
                return EndpointRecord(name: r["name"], network: r["network"], host: r["host"],
                                      addresses: addrs.split(separator: ",").compactMap { IPAddress($0) },
                                      netns: r["netns"], ifname: r["ifname"], containerID: r["container_id"])
            }
        }
    }

    public func putEndpoint(_ e: EndpointRecord) async throws {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM networks WHERE name = ?", arguments: [e.network]) != nil else {
                throw IPAMError.unknownNetwork(e.network)
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO endpoints(name, network, host, addresses, netns, ifname, container_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [e.name, e.network, e.host, e.addresses.map(\.description).joined(separator: ","), e.netns, e.ifname, e.containerID])
            return ((), [.endpoint(e.name)])
        }
    }

    public func deleteEndpoint(named name: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM endpoints WHERE name = ?", arguments: [name])
            return ((), db.changesCount == 1 ? [.endpoint(name)] : [])
        }
    }

    // MARK: policies

    public func policies() async throws -> [PolicyRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM policies ORDER BY id").map { r in
                PolicyRecord(id: r["id"], from: r["from_network"], to: r["to_network"],
                             action: PolicyRecord.Action(rawValue: r["action"]) ?? .deny, proto: r["proto"],
                             portLow: r["port_low"], portHigh: r["port_high"], oneWay: r["one_way"], log: r["log"])
            }
        }
    }

    public func addPolicy(_ p: PolicyRecord) async throws -> PolicyRecord {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO policies(from_network, to_network, action, proto, port_low, port_high, one_way, log) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [p.from, p.to, p.action.rawValue, p.proto, p.portLow, p.portHigh, p.oneWay, p.log])
            var out = p
            out.id = db.lastInsertedRowID
            return (out, [.policy(out.id)])
        }
    }

    public func deletePolicy(id: Int64) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM policies WHERE id = ?", arguments: [id])
            return ((), db.changesCount == 1 ? [.policy(id)] : [])
        }
    }

    // MARK: hosts

    public func hosts() async throws -> [HostRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT name, last_seen, bgp_address, bgp_port FROM hosts ORDER BY name").map {
                HostRecord(name: $0["name"], lastSeen: $0["last_seen"], bgpAddress: ($0["bgp_address"] as String?).flatMap { IPAddress($0) },
                           bgpPort: $0["bgp_port"])
            }
        }
    }

    public func heartbeat(host: String, at: Int64) async throws {
        try await write { db in
            try db.execute(sql: "INSERT INTO hosts(name, last_seen) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET last_seen = excluded.last_seen",
                           arguments: [host, at])
            return ((), [.host(host)])
        }
    }

    public func heartbeat(host: String, at: Int64, bgpAddress: IPAddress?, bgpPort: UInt16) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO hosts(name, last_seen, bgp_address, bgp_port) VALUES (?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET last_seen = excluded.last_seen, bgp_address = excluded.bgp_address, bgp_port = excluded.bgp_port
                """, arguments: [host, at, bgpAddress?.description, bgpPort])
            return ((), [.host(host)])
        }
    }

    public func deleteHost(_ name: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM hosts WHERE name = ?", arguments: [name])
            return ((), db.changesCount == 1 ? [.host(name)] : [])
        }
    }

    // MARK: watching

    /// Polls the change table every `pollInterval`, so writes of other processes are seen too.
    /// The stream ends when the consumer stops iterating (the poller is cancelled).
    public func changes() -> AsyncStream<DatastoreChange> {
        let start: Int64 = (try? pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM changes") }) ?? 0
        let (stream, continuation) = AsyncStream<DatastoreChange>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let pool = self.pool, interval = pollInterval
        let task = Task {
            var last = start
            while !Task.isCancelled {
                let since = last
                let rows = (try? await pool.read { db in
                    try Row.fetchAll(db, sql: "SELECT id, kind, key FROM changes WHERE id > ? ORDER BY id LIMIT 1000", arguments: [since])
                        .map { ($0["id"] as Int64, $0["kind"] as String, $0["key"] as String) }
                }) ?? []
                for (id, kind, key) in rows {
                    last = id
                    if let c = DatastoreChange(kind: kind, key: key) { continuation.yield(c) }
                }
                if rows.count < 1000 { try? await Task.sleep(for: interval) }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

extension DatastoreChange {
    var row: (String, String) {
        switch self {
        case .pool(let n): ("pool", n)
        case .block(let c): ("block", c.description)
        case .network(let n): ("network", n)
        case .endpoint(let n): ("endpoint", n)
        case .policy(let id): ("policy", String(id))
        case .host(let n): ("host", n)
        }
    }

    init?(kind: String, key: String) {
        switch kind {
        case "pool": self = .pool(key)
        case "block": guard let c = IPPrefix(key) else { return nil }; self = .block(c)
        case "network": self = .network(key)
        case "endpoint": self = .endpoint(key)
        case "policy": guard let id = Int64(key) else { return nil }; self = .policy(id)
        case "host": self = .host(key)
        default: return nil
        }
    }
}
