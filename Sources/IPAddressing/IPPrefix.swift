/// An IPv4 prefix (`10.0.0.0/24`). Host bits are always zero: the initialisers mask them.
public struct IPv4Prefix: Hashable, Comparable, Sendable {
    public let address: IPv4Address
    public let length: UInt8

    /// Masks `address` to `length` bits; `length` must be 0...32.
    @inlinable public init(_ address: IPv4Address, length: UInt8) {
        precondition(length <= 32, "an IPv4 prefix length is 0...32")
        self.address = IPv4Address(address.value & IPv4Prefix.mask(length))
        self.length = length
    }

    /// Builds a prefix whose address is already masked (the caller guarantees it; used by decoders).
    @inlinable public init(unchecked value: UInt32, length: UInt8) {
        self.address = IPv4Address(value)
        self.length = length
    }

    /// Parses `A.B.C.D/N`; a bare address is a /32. Host bits set are an error, as in `ip route`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let addr = IPv4Address(parts[0]) else { return nil }
        var len: UInt8 = 32
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isASCIIDigit),
                  let l = UInt8(parts[1]), l <= 32 else { return nil }
            len = l
        }
        guard addr.value & ~IPv4Prefix.mask(len) == 0 else { return nil }
        self.init(unchecked: addr.value, length: len)
    }

    @inlinable public static func mask(_ length: UInt8) -> UInt32 {
        length == 0 ? 0 : UInt32.max << (32 - UInt32(length))
    }

    public var netmask: IPv4Address { IPv4Address(Self.mask(length)) }
    /// The last address of the prefix.
    public var lastAddress: IPv4Address { IPv4Address(address.value | ~Self.mask(length)) }
    /// Number of addresses covered (2^(32-length)).
    public var size: UInt64 { 1 << (32 - UInt64(length)) }

    public func contains(_ other: IPv4Address) -> Bool { other.value & Self.mask(length) == address.value }
    public func contains(_ other: IPv4Prefix) -> Bool { other.length >= length && contains(other.address) }
    public func overlaps(_ other: IPv4Prefix) -> Bool { contains(other) || other.contains(self) }

    public static func < (lhs: IPv4Prefix, rhs: IPv4Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}

extension IPv4Prefix: CustomStringConvertible {
    public var description: String { "\(address)/\(length)" }
}

/// An IPv6 prefix (`2001:db8::/32`). Host bits are always zero.
public struct IPv6Prefix: Hashable, Comparable, Sendable {
    public let address: IPv6Address
    public let length: UInt8

    @inlinable public init(_ address: IPv6Address, length: UInt8) {
        precondition(length <= 128, "an IPv6 prefix length is 0...128")
        let (mh, ml) = IPv6Prefix.mask(length)
        self.address = IPv6Address(high: address.high & mh, low: address.low & ml)
        self.length = length
    }

    @inlinable public init(unchecked address: IPv6Address, length: UInt8) {
        self.address = address
        self.length = length
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let addr = IPv6Address(parts[0]) else { return nil }
        var len: UInt8 = 128
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), parts[1].allSatisfy(\.isASCIIDigit),
                  let l = UInt8(parts[1]), l <= 128 else { return nil }
            len = l
        }
        let (mh, ml) = IPv6Prefix.mask(len)
        guard addr.high & ~mh == 0, addr.low & ~ml == 0 else { return nil }
        self.init(unchecked: addr, length: len)
    }

    /// The netmask as two 64-bit halves.
    @inlinable public static func mask(_ length: UInt8) -> (UInt64, UInt64) {
        let l = UInt64(length)
        let high: UInt64 = l == 0 ? 0 : (l >= 64 ? .max : .max << (64 - l))
        let low: UInt64 = l <= 64 ? 0 : (l == 128 ? .max : .max << (128 - l))
        return (high, low)
    }

    public func contains(_ other: IPv6Address) -> Bool {
        let (mh, ml) = Self.mask(length)
        return other.high & mh == address.high && other.low & ml == address.low
    }
    public func contains(_ other: IPv6Prefix) -> Bool { other.length >= length && contains(other.address) }
    public func overlaps(_ other: IPv6Prefix) -> Bool { contains(other) || other.contains(self) }

    public static func < (lhs: IPv6Prefix, rhs: IPv6Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}

extension IPv6Prefix: CustomStringConvertible {
    public var description: String { "\(address)/\(length)" }
}

/// Either family, for places that hold both (the RIB, the FIB, nftables sets).
public enum IPPrefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(IPv4Prefix)
    case v6(IPv6Prefix)

    public init?(_ text: some StringProtocol) {
        if let p = IPv4Prefix(text) { self = .v4(p) } else if let p = IPv6Prefix(text) { self = .v6(p) } else { return nil }
    }

    public var description: String {
        switch self { case .v4(let p): p.description; case .v6(let p): p.description }
    }
    public var length: UInt8 {
        switch self { case .v4(let p): p.length; case .v6(let p): p.length }
    }
}

/// Either family of address.
public enum IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: some StringProtocol) {
        if let a = IPv4Address(text) { self = .v4(a) } else if let a = IPv6Address(text) { self = .v6(a) } else { return nil }
    }

    public var description: String {
        switch self { case .v4(let a): a.description; case .v6(let a): a.description }
    }
}
