public import IPAddressing

// Address arithmetic the allocator needs on either family: offsets inside a block (at most 2^16
// addresses, so an offset is a UInt32 and IPv6 never carries out of the low 64 bits) and stepping
// from one aligned block to the next (which may carry).

extension IPPrefix {
    public var family: IPFamily {
        switch self { case .v4: .v4; case .v6: .v6 }
    }
    /// The family's full length: 32 or 128.
    var maxLength: UInt8 { family == .v4 ? 32 : 128 }
    /// Host bits of this prefix (32 - length or 128 - length).
    var hostBits: UInt8 { maxLength - length }

    public var firstAddress: IPAddress {
        switch self { case .v4(let p): .v4(p.address); case .v6(let p): .v6(p.address) }
    }

    public func contains(_ a: IPAddress) -> Bool {
        switch (self, a) {
        case (.v4(let p), .v4(let x)): p.contains(x)
        case (.v6(let p), .v6(let x)): p.contains(x)
        default: false
        }
    }

    public func contains(_ other: IPPrefix) -> Bool {
        switch (self, other) {
        case (.v4(let p), .v4(let q)): p.contains(q)
        case (.v6(let p), .v6(let q)): p.contains(q)
        default: false
        }
    }

    public func overlaps(_ other: IPPrefix) -> Bool { contains(other) || other.contains(self) }

    /// The address `offset` past the first; the caller keeps `offset` below the prefix size (<= 2^16).
    func address(at offset: UInt32) -> IPAddress {
        switch self {
        case .v4(let p): .v4(IPv4Address(p.address.value &+ offset))
        case .v6(let p): .v6(IPv6Address(high: p.address.high, low: p.address.low &+ UInt64(offset)))
        }
    }

    /// The offset of `a` from the first address (`a` inside a prefix of at most 2^16 addresses).
    func offset(of a: IPAddress) -> UInt32 {
        switch (self, a) {
        case (.v4(let p), .v4(let x)): x.value &- p.address.value
        case (.v6(let p), .v6(let x)): UInt32(truncatingIfNeeded: x.low &- p.address.low)
        default: preconditionFailure("family mismatch")
        }
    }

    /// The prefix of the same length right after this one, or nil past the end of the address space.
    var next: IPPrefix? {
        switch self {
        case .v4(let p):
            let step = UInt64(1) << UInt64(32 - p.length)
            let n = UInt64(p.address.value) + step
            return n > UInt64(UInt32.max) ? nil : .v4(IPv4Prefix(unchecked: UInt32(n), length: p.length))
        case .v6(let p):
            let bits = 128 - Int(p.length)
            var high = p.address.high, low = p.address.low
            if bits >= 64 {
                let (h, o) = high.addingReportingOverflow(bits == 128 ? 0 : UInt64(1) << UInt64(bits - 64))
                if o || bits == 128 { return nil }
                high = h
            } else {
                let (l, o) = low.addingReportingOverflow(UInt64(1) << UInt64(bits))
                low = l
                if o {
                    let (h, o2) = high.addingReportingOverflow(1)
                    if o2 { return nil }
                    high = h
                }
            }
            return .v6(IPv6Prefix(unchecked: IPv6Address(high: high, low: low), length: p.length))
        }
    }

    /// The enclosing prefix of `length` that holds `a`.
    static func enclosing(_ a: IPAddress, length: UInt8) -> IPPrefix {
        switch a {
        case .v4(let x): .v4(IPv4Prefix(x, length: length))
        case .v6(let x): .v6(IPv6Prefix(x, length: length))
        }
    }
}

extension IPAddress {
    public var family: IPFamily {
        switch self { case .v4: .v4; case .v6: .v6 }
    }
}
