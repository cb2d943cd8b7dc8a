public import IPAddressing
public import IPAM
import Synchronization

/// A datastore held in memory, with the same contract as the real ones: for unit tests of
/// anything that talks to a `Datastore`, and as the reference the shared behaviour suite checks.
public final class InMemoryDatastore: Datastore {
    private struct Contents {
        var ipam = IPAMState()
        var networks: [String: NetworkRecord] = [:]
        var endpoints: [String: EndpointRecord] = [:]
        var policies: [Int64: PolicyRecord] = [:]
        var nextPolicy: Int64 = 1
        var hosts: [String: HostRecord] = [:]
        var watchers: [Int: AsyncStream<DatastoreChange>.Continuation] = [:]
        var nextWatcher = 0
    }
    private let state = Mutex(Contents())

    public init() {}

    private func mutate<T>(_ body: (inout Contents) throws -> (T, [DatastoreChange])) rethrows -> T {
        try state.withLock { c in
            let (r, changes) = try body(&c)
            for ch in changes { for w in c.watchers.values { w.yield(ch) } }
            return r
        }
    }

    public func pools() async throws -> [Pool] { state.withLock { $0.ipam.pools } }

    public func createPool(_ pool: Pool) async throws {
        try mutate { c in try c.ipam.addPool(pool); return ((), [.pool(pool.name)]) }
    }

    public func deletePool(named name: String) async throws {
        try mutate { c in
            guard c.ipam.pools.contains(where: { $0.name == name }) else { throw DatastoreError.unknownPool(name) }
            let n = c.ipam.blocks.values.filter { $0.pool == name }.count
            guard n == 0 else { throw DatastoreError.poolInUse(name, blocks: n) }
            c.ipam = IPAMState(pools: c.ipam.pools.filter { $0.name != name }, blocks: Array(c.ipam.blocks.values))
            return ((), [.pool(name)])
        }
    }

    public func blocks(host: String?, network: String?) async throws -> [Block] {
        state.withLock { c in
            c.ipam.blocks.values.filter { (host == nil || $0.host == host) && (network == nil || $0.network == network) }
                .sorted { $0.cidr < $1.cidr }
        }
    }

    public func compareAndSwap(_ block: Block) async throws -> Bool {
        mutate { c in
            let ok = c.ipam.compareAndSwap(block)
            return (ok, ok ? [.block(block.cidr)] : [])
        }
    }

    public func deleteBlock(_ cidr: IPPrefix, revision: UInt64) async throws -> Bool {
        mutate { c in
            let ok = c.ipam.delete(cidr, revision: revision)
            return (ok, ok ? [.block(cidr)] : [])
        }
    }

    public func networks() async throws -> [NetworkRecord] {
        state.withLock { $0.networks.values.sorted { $0.id < $1.id } }
    }

    public func createNetwork(_ name: String) async throws -> NetworkRecord {
        try mutate { c in
            if let n = c.networks[name] { return (n, []) }
            guard let id = lowestFreeNetworkID(Set(c.networks.values.map(\.id))) else {
                throw DatastoreError.networkIdsExhausted
            }
            let n = NetworkRecord(name: name, id: id)
            c.networks[name] = n
            return (n, [.network(name)])
        }
    }

    public func deleteNetwork(_ name: String) async throws {
        try mutate { c in
            guard c.networks[name] != nil else { return ((), []) }
            let e = c.endpoints.values.filter { $0.network == name }.count
            let b = c.ipam.blocks.values.filter { $0.network == name }.count
            guard e == 0, b == 0 else { throw DatastoreError.networkInUse(name, endpoints: e, blocks: b) }
            c.networks[name] = nil
            return ((), [.network(name)])
        }
    }

    public func endpoints() async throws -> [EndpointRecord] {
        state.withLock { $0.endpoints.values.sorted { $0.name < $1.name } }
    }

    public func putEndpoint(_ endpoint: EndpointRecord) async throws {
        try mutate { c in
            guard c.networks[endpoint.network] != nil else { throw IPAMError.unknownNetwork(endpoint.network) }
            c.endpoints[endpoint.name] = endpoint
            return ((), [.endpoint(endpoint.name)])
        }
    }

    public func deleteEndpoint(named name: String) async throws {
        mutate { c in ((), c.endpoints.removeValue(forKey: name) == nil ? [] : [.endpoint(name)]) }
    }

    public func policies() async throws -> [PolicyRecord] {
        state.withLock { $0.policies.values.sorted { $0.id < $1.id } }
    }

    public func addPolicy(_ policy: PolicyRecord) async throws -> PolicyRecord {
        mutate { c in
            var p = policy
            p.id = c.nextPolicy
            c.nextPolicy += 1
            c.policies[p.id] = p
            return (p, [.policy(p.id)])
        }
    }

    public func deletePolicy(id: Int64) async throws {
        mutate { c in ((), c.policies.removeValue(forKey: id) == nil ? [] : [.policy(id)]) }
    }

    public func hosts() async throws -> [HostRecord] {
        state.withLock { $0.hosts.values.sorted { $0.name < $1.name } }
    }

    public func heartbeat(host: String, at: Int64) async throws {
        mutate { c in
            var r = c.hosts[host] ?? HostRecord(name: host, lastSeen: at)
            r.lastSeen = at
            c.hosts[host] = r
            return ((), [.host(host)])
        }
    }

    public func heartbeat(host: String, at: Int64, bgpAddress: IPAddress?, bgpPort: UInt16) async throws {
        mutate { c in
            c.hosts[host] = HostRecord(name: host, lastSeen: at, bgpAddress: bgpAddress, bgpPort: bgpPort)
            return ((), [.host(host)])
        }
    }

    public func deleteHost(_ name: String) async throws {
        mutate { c in ((), c.hosts.removeValue(forKey: name) == nil ? [] : [.host(name)]) }
    }

    public func changes() -> AsyncStream<DatastoreChange> {
        let (stream, continuation) = AsyncStream<DatastoreChange>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let id = state.withLock { c in
            let id = c.nextWatcher
            c.nextWatcher += 1
            c.watchers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }
}

/// The lowest network id (from 1) not in `used`; nil when all are taken.
public func lowestFreeNetworkID(_ used: Set<UInt32>) -> UInt32? {
    var id: UInt32 = 1
    while used.contains(id) {
        guard id < UInt32.max else { return nil }
        id += 1
    }
    return id
}
