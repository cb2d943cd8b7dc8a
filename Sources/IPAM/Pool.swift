public import IPAddressing

/// A cluster pool: a CIDR cut into equal, aligned blocks that hosts claim (Calico's IPPool).
///
/// Every address of a block is handed out, including the first and the last: endpoints get /32
/// (/128) host routes and a block is never a link subnet, so there is no network or broadcast
/// address to keep free. Addresses an operator wants kept (gateways, addresses in use outside
/// routed) are listed in `reserved` and are never handed out.
public struct Pool: Hashable, Sendable {
    public let name: String
    public let cidr: IPPrefix
    /// Prefix length of the blocks hosts claim (`/26` IPv4, `/122` IPv6 by default).
    public let blockLength: UInt8
    /// Prefixes inside the pool that are never handed out.
    public let reserved: [IPPrefix]

    public static let defaultIPv4BlockLength: UInt8 = 26
    public static let defaultIPv6BlockLength: UInt8 = 122

    /// Parses and validates a pool (`routed start --pool CIDR --block-size N`).
    public init(name: String, cidr text: String, blockLength: UInt8? = nil, reserved: [String] = []) throws(IPAMError) {
        guard let cidr = IPPrefix(text) else { throw .unparsableCIDR(text) }
        var parsed: [IPPrefix] = []
        for r in reserved {
            guard let p = IPPrefix(r) else { throw .unparsableCIDR(r) }
            parsed.append(p)
        }
        try self.init(name: name, cidr: cidr, blockLength: blockLength, reserved: parsed)
    }

    public init(name: String, cidr: IPPrefix, blockLength: UInt8? = nil, reserved: [IPPrefix] = []) throws(IPAMError) {
        guard (1...63).contains(name.utf8.count),
              name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)
                  || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D })
        else { throw .invalidPoolName(name) }
        let len = blockLength ?? (cidr.family == .v4 ? Self.defaultIPv4BlockLength : Self.defaultIPv6BlockLength)
        let range: ClosedRange<UInt8> = cidr.family == .v4 ? 16...32 : 112...128
        guard range.contains(len), len >= cidr.length else {
            throw .invalidBlockLength(pool: name, cidr: cidr, blockLength: len)
        }
        for r in reserved where !cidr.contains(r) {
            throw .reservationOutsidePool(pool: name, cidr: cidr, reservation: r)
        }
        self.name = name
        self.cidr = cidr
        self.blockLength = len
        self.reserved = reserved
    }

    public var family: IPFamily { cidr.family }
    /// Addresses per block (at most 2^16).
    public var blockSize: Int { 1 << Int(cidr.maxLength - blockLength) }
    /// log2 of the number of blocks the pool holds.
    public var blockCountLog2: Int { Int(blockLength - cidr.length) }

    /// Throws `.overlappingPools` / `.duplicatePoolName` if `self` cannot join `existing`.
    public func checkJoins(_ existing: [Pool]) throws(IPAMError) {
        for p in existing {
            if p.name == name { throw .duplicatePoolName(name) }
            if p.cidr.overlaps(cidr) {
                throw .overlappingPools(new: name, newCIDR: cidr, existing: p.name, existingCIDR: p.cidr)
            }
        }
    }

    /// The reserved bits of the block `cidr` (a block of this pool).
    func reservedMap(for block: IPPrefix) -> Bitmap {
        var map = Bitmap(count: blockSize)
        for r in reserved where r.overlaps(block) {
            if block.contains(r) {
                let start = Int(block.offset(of: r.firstAddress))
                let n = 1 << Int(r.hostBits)
                for i in start..<(start + n) { map[i] = true }
            } else {
                for i in 0..<blockSize { map[i] = true }   // the reservation covers the whole block
            }
        }
        return map
    }
}

/// How full a pool is: what `routed ipam show` prints and what an exhaustion error names.
public struct PoolUsage: Hashable, Sendable {
    public let pool: String
    public let cidr: IPPrefix
    public let blockLength: UInt8
    public let blocksClaimed: Int
    /// log2 of the number of blocks the pool can hold.
    public let blockCountLog2: Int
    public let addressesAllocated: Int
    public let addressesReserved: Int
    public let blockSize: Int

    public init(pool: String, cidr: IPPrefix, blockLength: UInt8, blocksClaimed: Int, blockCountLog2: Int,
                addressesAllocated: Int, addressesReserved: Int, blockSize: Int) {
        self.pool = pool; self.cidr = cidr; self.blockLength = blockLength; self.blocksClaimed = blocksClaimed
        self.blockCountLog2 = blockCountLog2; self.addressesAllocated = addressesAllocated
        self.addressesReserved = addressesReserved; self.blockSize = blockSize
    }

    /// Blocks the pool can hold, nil when that is 2^63 or more.
    public var blockCapacity: Int? { blockCountLog2 < 63 ? 1 << blockCountLog2 : nil }

    public var summary: String {
        let cap = blockCapacity.map(String.init) ?? "2^\(blockCountLog2)"
        let addrCap = blockCountLog2 + Int(log2(blockSize)) < 63
            ? String((1 << (blockCountLog2 + Int(log2(blockSize)))) - addressesReserved)
            : "2^\(blockCountLog2 + Int(log2(blockSize)))"
        return "pool '\(pool)' (\(cidr), /\(blockLength) blocks): \(blocksClaimed) of \(cap) blocks claimed, "
            + "\(addressesAllocated) of \(addrCap) addresses in use"
    }

    private func log2(_ n: Int) -> Int { n.trailingZeroBitCount }
}
