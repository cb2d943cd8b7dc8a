public import IPAddressing

/// What an endpoint asks for: an address of `family` (or exactly `requested`) on `host` in `network`.
public struct AllocationRequest: Hashable, Sendable {
    public var endpoint: String
    public var network: String
    public var host: String
    public var family: IPFamily
    public var requested: IPAddress?

    public init(endpoint: String, network: String, host: String, family: IPFamily = .v4, requested: IPAddress? = nil) {
        self.endpoint = endpoint; self.network = network; self.host = host
        self.family = requested?.family ?? family
        self.requested = requested
    }
}

/// What allocating takes: either nothing (the endpoint already holds an address — allocation is
/// idempotent, as CNI ADD must be) or one compare-and-swap write of one block.
public enum AllocationStep: Hashable, Sendable {
    case existing(IPAddress, block: IPPrefix)
    /// Write `block` (revision 0: claim it; otherwise update it if still at that revision).
    case write(Block, address: IPAddress)

    public var address: IPAddress {
        switch self { case .existing(let a, _), .write(_, let a): a }
    }
    public var isClaim: Bool {
        if case .write(let b, _) = self { return b.revision == 0 } else { return false }
    }
}

/// The pools and (some or all of) the claimed blocks, as read from a datastore: a value on which
/// allocation and release are planned. Planning never mutates; `apply` simulates a store's CAS.
public struct IPAMState: Hashable, Sendable {
    public private(set) var pools: [Pool]
    public private(set) var blocks: [IPPrefix: Block]

    public init(pools: [Pool] = [], blocks: [Block] = []) {
        self.pools = pools
        self.blocks = Dictionary(blocks.map { ($0.cidr, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Adds a pool after checking names and overlaps (`routed start --pool`).
    public mutating func addPool(_ pool: Pool) throws(IPAMError) {
        try pool.checkJoins(pools)
        pools.append(pool)
    }

    /// Blocks of `host` for `network`, ascending.
    public func blocks(host: String, network: String) -> [Block] {
        blocks.values.filter { $0.host == host && $0.network == network }.sorted { $0.cidr < $1.cidr }
    }

    /// Plans an allocation. Idempotent: an endpoint that already holds an address of the family in
    /// this network gets it back (or, with `requested`, must be asking for that same address).
    public func planAllocation(_ req: AllocationRequest, now: Int64) throws(IPAMError) -> AllocationStep {
        let mine = blocks(host: req.host, network: req.network).filter { $0.cidr.family == req.family }
        for b in mine {
            if let a = b.address(of: req.endpoint), req.requested == nil || req.requested == a {
                return .existing(a, block: b.cidr)
            }
        }
        if let want = req.requested { return try planRequested(want, req, now: now) }
        let familyPools = pools.filter { $0.family == req.family }
        guard !familyPools.isEmpty else { throw .noPool(family: req.family) }
        // First free address in a block this host already holds for the network.
        for var b in mine {
            if let a = b.assignFirstFree(to: req.endpoint, now: now) { return .write(b, address: a) }
        }
        // Otherwise claim the lowest unclaimed block, pool by pool.
        for p in familyPools {
            guard let cidr = firstUnclaimedBlock(in: p) else { continue }
            var b = Block(cidr: cidr, pool: p, host: req.host, network: req.network, now: now)
            if let a = b.assignFirstFree(to: req.endpoint, now: now) { return .write(b, address: a) }
        }
        throw .poolExhausted(family: req.family, usage: familyPools.map(usage))
    }

    private func planRequested(_ want: IPAddress, _ req: AllocationRequest, now: Int64) throws(IPAMError) -> AllocationStep {
        guard let p = pools.first(where: { $0.cidr.contains(want) }) else {
            throw .requestedOutsidePools(want, pools: pools.map(\.cidr))
        }
        if p.reserved.contains(where: { $0.contains(want) }) { throw .requestedReserved(want, pool: p.name) }
        let cidr = IPPrefix.enclosing(want, length: p.blockLength)
        guard var b = blocks[cidr] else {
            var b = Block(cidr: cidr, pool: p, host: req.host, network: req.network, now: now)
            b.assign(want, to: req.endpoint, now: now)
            return .write(b, address: want)
        }
        if let o = b.owner(of: want) {
            if o.endpoint == req.endpoint && b.network == req.network { return .existing(want, block: cidr) }
            throw .addressInUse(want, endpoint: o.endpoint, host: b.host)
        }
        guard b.host == req.host, b.network == req.network else {
            throw .requestedInForeignBlock(want, block: cidr, host: b.host, network: b.network)
        }
        b.assign(want, to: req.endpoint, now: now)
        return .write(b, address: want)
    }

    /// The lowest aligned block of `pool` not in `blocks`, or nil when all are claimed.
    /// Walks the claimed blocks only, so a /48 IPv6 pool costs what its claims cost.
    public func firstUnclaimedBlock(in pool: Pool) -> IPPrefix? {
        let claimed = blocks.keys.filter { pool.cidr.contains($0) }.sorted()
        var candidate: IPPrefix? = IPPrefix.enclosing(pool.cidr.firstAddress, length: pool.blockLength)
        for c in claimed {
            guard let cand = candidate, pool.cidr.contains(cand) else { return nil }
            if cand < c { return cand }
            if cand == c { candidate = c.next }
        }
        guard let cand = candidate, pool.cidr.contains(cand) else { return nil }
        return cand
    }

    /// Plans freeing every address `endpoint` holds (optionally only on `host`): one CAS write per
    /// block touched. Releasing what is not held plans nothing (DEL is idempotent).
    public func planRelease(endpoint: String, host: String? = nil, now: Int64) -> [Block] {
        var out: [Block] = []
        for var b in blocks.values.sorted(by: { $0.cidr < $1.cidr }) where host == nil || b.host == host {
            var changed = false
            while let a = b.address(of: endpoint) { b.release(a, now: now); changed = true }
            if changed { out.append(b) }
        }
        return out
    }

    /// Plans freeing one address; throws `.notAllocated` when nobody holds it.
    public func planRelease(address: IPAddress, now: Int64) throws(IPAMError) -> Block {
        guard var b = blocks.values.first(where: { $0.cidr.contains(address) }), b.owner(of: address) != nil else {
            throw .notAllocated(address)
        }
        b.release(address, now: now)
        return b
    }

    /// Usage of one pool over the blocks this state knows.
    public func usage(_ p: Pool) -> PoolUsage {
        let bs = blocks.values.filter { $0.pool == p.name }
        return PoolUsage(pool: p.name, cidr: p.cidr, blockLength: p.blockLength, blocksClaimed: bs.count,
                         blockCountLog2: p.blockCountLog2, addressesAllocated: bs.reduce(0) { $0 + $1.allocatedCount },
                         addressesReserved: bs.reduce(0) { $0 + $1.reservedCount }, blockSize: p.blockSize)
    }

    // MARK: applying (what a store does on a successful compare-and-swap)

    /// Writes `block` if the stored revision equals `block.revision` (0 = absent); bumps the revision.
    /// Returns false on a conflict, changing nothing.
    @discardableResult
    public mutating func compareAndSwap(_ block: Block) -> Bool {
        let current = blocks[block.cidr]?.revision ?? 0
        guard current == block.revision else { return false }
        var b = block
        b.revision = current + 1
        blocks[b.cidr] = b
        return true
    }

    /// Deletes `cidr` if still at `revision`.
    @discardableResult
    public mutating func delete(_ cidr: IPPrefix, revision: UInt64) -> Bool {
        guard let b = blocks[cidr], b.revision == revision else { return false }
        blocks[cidr] = nil
        return true
    }

    /// Plans and applies in one step (single-writer use, and the model the tests check stores against).
    public mutating func allocate(_ req: AllocationRequest, now: Int64) throws(IPAMError) -> IPAddress {
        let step = try planAllocation(req, now: now)
        if case .write(let b, _) = step { compareAndSwap(b) }
        return step.address
    }

    /// Releases everything `endpoint` holds; returns the addresses freed.
    @discardableResult
    public mutating func release(endpoint: String, host: String? = nil, now: Int64) -> [IPAddress] {
        var freed: [IPAddress] = []
        for b in planRelease(endpoint: endpoint, host: host, now: now) {
            let before = blocks[b.cidr]!
            freed += before.allocations.filter { $0.allocation.endpoint == endpoint }.map(\.address)
            compareAndSwap(b)
        }
        return freed
    }
}
