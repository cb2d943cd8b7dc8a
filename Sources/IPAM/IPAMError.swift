public import IPAddressing

/// Everything IPAM refuses, with what an operator needs to fix it. Nothing is changed when one is thrown.
public enum IPAMError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A pool CIDR (or reservation) that is not `A.B.C.D/N` / `X::/N`, or has host bits set.
    case unparsableCIDR(String)
    /// A pool name that is empty or holds characters other than `[A-Za-z0-9._-]`.
    case invalidPoolName(String)
    /// A pool with that name already exists.
    case duplicatePoolName(String)
    /// The new pool overlaps one that exists: both named.
    case overlappingPools(new: String, newCIDR: IPPrefix, existing: String, existingCIDR: IPPrefix)
    /// The block length does not fit the pool (must be >= the pool length, /16.../32 for IPv4, /112.../128 for IPv6).
    case invalidBlockLength(pool: String, cidr: IPPrefix, blockLength: UInt8)
    /// A reservation that is not inside its pool.
    case reservationOutsidePool(pool: String, cidr: IPPrefix, reservation: IPPrefix)
    /// No pool of this family exists.
    case noPool(family: IPFamily)
    /// The requested address is in no pool.
    case requestedOutsidePools(IPAddress, pools: [IPPrefix])
    /// The requested address is reserved in its pool.
    case requestedReserved(IPAddress, pool: String)
    /// The requested address is already held by another endpoint.
    case addressInUse(IPAddress, endpoint: String, host: String)
    /// The requested address lies in a block that another host (or another network) owns.
    case requestedInForeignBlock(IPAddress, block: IPPrefix, host: String, network: String)
    /// Every pool of the family is exhausted: usage of each.
    case poolExhausted(family: IPFamily, usage: [PoolUsage])
    /// The network is not known to the datastore (`routed network create NAME` first).
    case unknownNetwork(String)
    /// The address is not allocated (release of something not held).
    case notAllocated(IPAddress)
    /// A block whose stored state cannot be decoded.
    case corruptBlock(IPPrefix, reason: String)
    /// The datastore kept changing under us: `attempts` compare-and-swap conflicts in a row.
    case tooManyConflicts(attempts: Int)

    public var description: String {
        switch self {
        case .unparsableCIDR(let s):
            return "'\(s)' is not a CIDR: expected A.B.C.D/N or X:X::/N with the host bits zero (e.g. 10.244.0.0/16)"
        case .invalidPoolName(let s):
            return "pool name '\(s)' is invalid: use 1-63 characters from A-Z a-z 0-9 . _ -"
        case .duplicatePoolName(let s):
            return "a pool named '\(s)' already exists: choose another name or delete it first"
        case let .overlappingPools(new, newCIDR, existing, existingCIDR):
            return "pool '\(new)' (\(newCIDR)) overlaps pool '\(existing)' (\(existingCIDR)): pools must be disjoint"
        case let .invalidBlockLength(pool, cidr, len):
            return "pool '\(pool)' (\(cidr)): block length /\(len) is invalid: it must be at least /\(cidr.length) "
                + "and within \(cidr.family == .v4 ? "/16.../32" : "/112.../128")"
        case let .reservationOutsidePool(pool, cidr, r):
            return "pool '\(pool)' (\(cidr)): reservation \(r) is not inside the pool"
        case .noPool(let f):
            return "no \(f) pool is configured: add one with --pool CIDR"
        case let .requestedOutsidePools(a, pools):
            let list = pools.isEmpty ? "none" : pools.map(\.description).joined(separator: ", ")
            return "requested address \(a) is outside every pool (pools: \(list))"
        case let .requestedReserved(a, pool):
            return "requested address \(a) is reserved in pool '\(pool)'"
        case let .addressInUse(a, ep, host):
            return "requested address \(a) is already used by endpoint '\(ep)' on host '\(host)'"
        case let .requestedInForeignBlock(a, block, host, network):
            return "requested address \(a) lies in block \(block), owned by host '\(host)' for network '\(network)'"
        case let .poolExhausted(f, usage):
            let list = usage.map(\.summary).joined(separator: "; ")
            return "every \(f) pool is exhausted: \(list); add a pool or release addresses"
        case .unknownNetwork(let n):
            return "network '\(n)' does not exist: create it with `routed network create \(n)`"
        case .notAllocated(let a):
            return "address \(a) is not allocated"
        case let .corruptBlock(b, reason):
            return "block \(b) in the datastore is corrupt: \(reason)"
        case .tooManyConflicts(let n):
            return "gave up after \(n) conflicting updates of the datastore; retry"
        }
    }
}

/// IPv4 or IPv6.
public enum IPFamily: String, Hashable, Sendable, Codable, CustomStringConvertible {
    case v4 = "IPv4", v6 = "IPv6"
    public var description: String { rawValue }
}
