public import IPAddressing

/// Errors a datastore reports besides IPAM's own (`IPAMError` for pool overlap, corrupt blocks).
public enum DatastoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The pool still has claimed blocks.
    case poolInUse(String, blocks: Int)
    /// The network still has endpoints or blocks.
    case networkInUse(String, endpoints: Int, blocks: Int)
    case unknownPool(String)
    /// All 2^32 - 1 network ids are taken.
    case networkIdsExhausted
    /// The backing store failed (SQLite error text, etcd status).
    case backend(String)

    public var description: String {
        switch self {
        case let .poolInUse(p, n): "pool '\(p)' still has \(n) claimed blocks: release its endpoints first"
        case let .networkInUse(n, e, b): "network '\(n)' still has \(e) endpoints and \(b) blocks: delete them first"
        case .unknownPool(let p): "pool '\(p)' does not exist"
        case .networkIdsExhausted: "no network id is left (2^32 - 1 networks exist)"
        case .backend(let s): "datastore: \(s)"
        }
    }
}

/// Everything the agent stores (DESIGN: pools, block claims, networks, endpoints, policies, hosts).
///
/// Blocks change only by compare-and-swap on their revision (see `Block`); every other write is
/// one atomic change. Implementations (target Datastore): `InMemoryDatastore` (tests), `SQLiteDatastore`, `EtcdDatastore`.
public protocol Datastore: Sendable {
    // Pools
    func pools() async throws -> [Pool]
    /// Adds a pool; throws `IPAMError.overlappingPools`/`.duplicatePoolName` atomically with the check.
    func createPool(_ pool: Pool) async throws
    /// Deletes a pool with no claimed blocks; throws `DatastoreError.poolInUse` otherwise.
    func deletePool(named name: String) async throws

    // Blocks
    /// Claimed blocks, optionally only those of `host` and/or `network`, ascending by CIDR.
    func blocks(host: String?, network: String?) async throws -> [Block]
    /// Writes `block` only if the stored revision equals `block.revision` (0: only if unclaimed).
    /// Returns false on a conflict and changes nothing.
    func compareAndSwap(_ block: Block) async throws -> Bool
    /// Removes a block only if still at `revision`.
    func deleteBlock(_ cidr: IPPrefix, revision: UInt64) async throws -> Bool

    /// Pools and the blocks of `host` and/or `network`, read together (one consistent read where
    /// the store can; the allocator's hot path).
    func snapshot(host: String?, network: String?) async throws -> IPAMState

    /// Plans against the pools and the blocks of `host`/`network`, then writes the blocks the plan
    /// returns, each by compare-and-swap. Returns the plan's value and whether every write took
    /// (false: something changed meanwhile; plan again). A store that can hold its write lock from
    /// the read to the write (SQLite) does it all in one transaction, where the swaps cannot fail.
    func readModifyWrite<T: Sendable>(host: String?, network: String?,
                                      _ plan: @escaping @Sendable (IPAMState) throws -> (T, [Block])) async throws -> (T, Bool)

    // Networks
    func networks() async throws -> [NetworkRecord]
    /// Creates `name` with the lowest free id, or returns the existing record (idempotent).
    func createNetwork(_ name: String) async throws -> NetworkRecord
    func deleteNetwork(_ name: String) async throws

    // Endpoints
    func endpoints() async throws -> [EndpointRecord]
    func putEndpoint(_ endpoint: EndpointRecord) async throws
    func deleteEndpoint(named name: String) async throws

    // Policies
    func policies() async throws -> [PolicyRecord]
    /// Stores a policy and returns it with its id.
    func addPolicy(_ policy: PolicyRecord) async throws -> PolicyRecord
    func deletePolicy(id: Int64) async throws

    // Hosts
    func hosts() async throws -> [HostRecord]
    /// Renews `host`'s lease at `at` (seconds): its record's last-seen time, leaving its BGP
    /// address as it was (none for a new record). SQLite keeps only the record; etcd also keeps
    /// the record on a lease of its own, so a host that stops renewing loses its record after the
    /// lease TTL (garbage collection then counts it as departed).
    func heartbeat(host: String, at: Int64) async throws
    /// Renews `host`'s lease like `heartbeat(host:at:)` and records where its BGP speaker listens
    /// (`bgpAddress` nil: it takes no part in the mesh, so `--mesh` peers drop it).
    func heartbeat(host: String, at: Int64, bgpAddress: IPAddress?, bgpPort: UInt16) async throws
    func deleteHost(_ name: String) async throws

    /// Changes made from now on, by this process or any other sharing the store.
    func changes() -> AsyncStream<DatastoreChange>
}

extension Datastore {
    public func readModifyWrite<T: Sendable>(host: String?, network: String?,
                                             _ plan: @escaping @Sendable (IPAMState) throws -> (T, [Block])) async throws -> (T, Bool) {
        let (value, writes) = try plan(try await snapshot(host: host, network: network))
        var all = true
        for b in writes where try await !compareAndSwap(b) { all = false }
        return (value, all)
    }

    public func snapshot(host: String?, network: String?) async throws -> IPAMState {
        IPAMState(pools: try await pools(), blocks: try await blocks(host: host, network: network))
    }
    public func blocks() async throws -> [Block] { try await blocks(host: nil, network: nil) }
    public func network(named name: String) async throws -> NetworkRecord? {
        try await networks().first { $0.name == name }
    }
}
