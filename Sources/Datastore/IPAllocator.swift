public import IPAM
public import IPAddressing
import Synchronization

/// The allocator service: IPAM's pure planning over any `Datastore`, with compare-and-swap writes
/// retried on conflict. Several allocators (several agents, processes or tasks) may share a store:
/// a block only changes if it is still at the revision planned against, so no address is handed
/// out twice and no block is claimed twice.
public final class IPAllocator: Sendable {
    public let store: any Datastore
    /// Seconds on the wall clock; tests pass a manual one.
    let clock: @Sendable () -> Int64
    let maxAttempts: Int
    private let knownNetworks = Mutex<Set<String>>([])

    public init(store: any Datastore, maxAttempts: Int = 200, clock: @escaping @Sendable () -> Int64 = IPAllocator.wallClock) {
        self.store = store
        self.maxAttempts = maxAttempts
        self.clock = clock
    }

    @Sendable public static func wallClock() -> Int64 { unixNow() }

    /// An address for `endpoint` on `host` in `network`: the one it already holds (idempotent),
    /// `requested` if free, or the first free one, claiming a block from a pool when needed.
    public func allocate(endpoint: String, network: String, host: String, family: IPFamily = .v4,
                         requested: IPAddress? = nil) async throws -> IPAddress {
        try await requireNetwork(network)
        let req = AllocationRequest(endpoint: endpoint, network: network, host: host, family: family, requested: requested)
        for attempt in 0..<maxAttempts {
            let now = clock()
            // This host's blocks for the network are enough unless a block must be claimed; then
            // every block, to find a free one (or who holds a requested address).
            for fullView in [false, true] {
                let (address, wrote) = try await store.readModifyWrite(host: fullView ? nil : host,
                                                                       network: fullView ? nil : network) { state in
                    let step = try state.planAllocation(req, now: now)
                    if step.isClaim && !fullView { return (IPAddress?.none, []) }
                    switch step {
                    case .existing(let a, _): return (a, [])
                    case .write(let b, let a): return (a, [b])
                    }
                }
                if let address {
                    if wrote { return address }
                    break
                }
            }
            try await backOff(attempt)
        }
        throw IPAMError.tooManyConflicts(attempts: maxAttempts)
    }

    /// Frees every address `endpoint` holds (on `host` if given); returns them. Idempotent.
    @discardableResult
    public func release(endpoint: String, host: String? = nil) async throws -> [IPAddress] {
        var freed: [IPAddress] = []
        for attempt in 0..<maxAttempts {
            let now = clock()
            let (planned, all) = try await store.readModifyWrite(host: host, network: nil) { state in
                let writes = state.planRelease(endpoint: endpoint, host: host, now: now)
                let addresses = writes.flatMap { b in
                    state.blocks[b.cidr]!.allocations.filter { $0.allocation.endpoint == endpoint }.map(\.address)
                }
                return (addresses, writes)
            }
            if all { return freed + planned }
            // Some block changed meanwhile: what did go through is no longer held; plan the rest again.
            let still = Set(try await store.blocks(host: host, network: nil).compactMap { $0.address(of: endpoint) })
            freed += planned.filter { !still.contains($0) }
            try await backOff(attempt)
        }
        throw IPAMError.tooManyConflicts(attempts: maxAttempts)
    }

    /// One garbage-collection pass (see `IPAMState.garbage`); applies each action — block writes
    /// and deletes by CAS, the endpoint records of departed hosts first — and returns those that
    /// took effect (a conflicting one is left for the next pass).
    @discardableResult
    public func collectGarbage(policy: GCPolicy, onlyHost: String? = nil) async throws -> [GCAction] {
        let state = IPAMState(pools: try await store.pools(), blocks: try await store.blocks())
        let actions = state.garbage(endpoints: try await store.endpoints(), hosts: try await store.hosts(),
                                    now: clock(), policy: policy, onlyHost: onlyHost)
        var done: [GCAction] = []
        for a in actions {
            switch a {
            case .releaseAllocations(let b, _): if try await store.compareAndSwap(b) { done.append(a) }
            case .releaseBlock(let c, let rev, _): if try await store.deleteBlock(c, revision: rev) { done.append(a) }
            case .deleteEndpoint(let name, _): try await store.deleteEndpoint(named: name); done.append(a)
            }
        }
        return done
    }

    /// The repair an agent runs when it starts, before serving requests: nothing of its own can be
    /// in flight, so every allocation on `host` without an endpoint record (a crash between
    /// "allocate" and "record", or between "delete record" and "release") is freed at once.
    @discardableResult
    public func repairAtStart(host: String) async throws -> [GCAction] {
        try await collectGarbage(policy: GCPolicy(allocationGrace: 0, hostGrace: .max), onlyHost: host)
    }

    /// What `routed ipam show` prints.
    public func report(hostGrace: Int64 = GCPolicy().hostGrace) async throws -> IPAMReport {
        let state = IPAMState(pools: try await store.pools(), blocks: try await store.blocks())
        return IPAMReport(state: state, endpoints: try await store.endpoints(), hosts: try await store.hosts(),
                          now: clock(), hostGrace: hostGrace)
    }

    private func requireNetwork(_ name: String) async throws {
        if knownNetworks.withLock({ $0.contains(name) }) { return }
        guard try await store.network(named: name) != nil else { throw IPAMError.unknownNetwork(name) }
        knownNetworks.withLock { _ = $0.insert(name) }
    }

    /// A short randomised pause so that contending writers stop colliding (bounded: ≤ ~2 ms).
    private func backOff(_ attempt: Int) async throws {
        if attempt < 2 { await Task.yield(); return }
        try await Task.sleep(for: .microseconds(Int.random(in: 50...(100 * min(attempt, 20)))))
    }
}
