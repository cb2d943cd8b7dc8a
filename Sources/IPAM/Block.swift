public import IPAddressing

/// Who holds an address: the endpoint (container) name and when it was allocated (seconds, the
/// caller's clock — IPAM has none).
public struct Allocation: Hashable, Sendable {
    public var endpoint: String
    public var at: Int64
    public init(endpoint: String, at: Int64) { self.endpoint = endpoint; self.at = at }
}

/// One block of a pool, claimed by a host for one network (Calico's block with its affinity).
///
/// A block value carries the datastore `revision` it was read at: a store writes a changed block
/// only if its stored revision still equals that (compare-and-swap) and then changes it; revision
/// 0 means "not yet in the store" (a claim succeeds only if the block is unclaimed). Revisions are
/// opaque: SQLite counts per block (1, 2, ...), etcd uses the key's cluster-wide `mod_revision`.
public struct Block: Hashable, Sendable {
    public let cidr: IPPrefix
    public let pool: String
    public var host: String
    public var network: String
    public var revision: UInt64
    /// Last change, seconds on the caller's clock (drives the grace period of garbage collection).
    public var updatedAt: Int64
    public private(set) var allocated: Bitmap
    public private(set) var reserved: Bitmap
    /// Offset → holder, one entry per bit set in `allocated`.
    public private(set) var owners: [UInt32: Allocation]

    /// A fresh, empty block of `pool` (revision 0: not yet claimed in the store).
    public init(cidr: IPPrefix, pool: Pool, host: String, network: String, now: Int64) {
        precondition(cidr.length == pool.blockLength && pool.cidr.contains(cidr), "block outside its pool")
        self.cidr = cidr
        self.pool = pool.name
        self.host = host
        self.network = network
        self.revision = 0
        self.updatedAt = now
        allocated = Bitmap(count: pool.blockSize)
        reserved = pool.reservedMap(for: cidr)
        owners = [:]
    }

    /// Rebuilds a stored block; throws `.corruptBlock` when the parts disagree.
    public init(cidr: IPPrefix, pool: String, host: String, network: String, revision: UInt64, updatedAt: Int64,
                allocated: Bitmap, reserved: Bitmap, owners: [UInt32: Allocation]) throws(IPAMError) {
        let size = 1 << Int(cidr.hostBits)
        guard cidr.hostBits <= 16, allocated.count == size, reserved.count == size else {
            throw .corruptBlock(cidr, reason: "bitmap size does not match the block length")
        }
        guard owners.count == allocated.population, owners.keys.allSatisfy({ Int($0) < size && allocated[Int($0)] })
        else { throw .corruptBlock(cidr, reason: "allocation owners do not match the allocation bitmap") }
        self.cidr = cidr; self.pool = pool; self.host = host; self.network = network
        self.revision = revision; self.updatedAt = updatedAt
        self.allocated = allocated; self.reserved = reserved; self.owners = owners
    }

    public var size: Int { allocated.count }
    public var allocatedCount: Int { owners.count }
    public var reservedCount: Int { reserved.population }
    public var freeCount: Int { size - allocated.population - reserved.population }
    public var isEmpty: Bool { owners.isEmpty }

    /// The holder of `address`, if allocated.
    public func owner(of address: IPAddress) -> Allocation? {
        guard cidr.contains(address) else { return nil }
        return owners[cidr.offset(of: address)]
    }

    public func isReserved(_ address: IPAddress) -> Bool {
        cidr.contains(address) && reserved[Int(cidr.offset(of: address))]
    }

    /// The address `endpoint` holds in this block, if any.
    public func address(of endpoint: String) -> IPAddress? {
        owners.first { $0.value.endpoint == endpoint }.map { cidr.address(at: $0.key) }
    }

    /// Every allocation, ascending by address.
    public var allocations: [(address: IPAddress, allocation: Allocation)] {
        owners.sorted { $0.key < $1.key }.map { (cidr.address(at: $0.key), $0.value) }
    }

    /// Takes the lowest free address for `endpoint`; nil when the block is full.
    public mutating func assignFirstFree(to endpoint: String, now: Int64) -> IPAddress? {
        guard let i = allocated.firstClear(excluding: reserved) else { return nil }
        allocated[i] = true
        owners[UInt32(i)] = Allocation(endpoint: endpoint, at: now)
        updatedAt = now
        return cidr.address(at: UInt32(i))
    }

    /// Takes `address` (inside the block, free, not reserved: the caller checked) for `endpoint`.
    public mutating func assign(_ address: IPAddress, to endpoint: String, now: Int64) {
        let i = cidr.offset(of: address)
        precondition(!allocated[Int(i)] && !reserved[Int(i)], "assign of a used or reserved address")
        allocated[Int(i)] = true
        owners[i] = Allocation(endpoint: endpoint, at: now)
        updatedAt = now
    }

    /// Frees `address`; returns its former holder, nil if it was not allocated.
    @discardableResult
    public mutating func release(_ address: IPAddress, now: Int64) -> Allocation? {
        guard cidr.contains(address) else { return nil }
        let i = cidr.offset(of: address)
        guard let old = owners.removeValue(forKey: i) else { return nil }
        allocated[Int(i)] = false
        updatedAt = now
        return old
    }
}
