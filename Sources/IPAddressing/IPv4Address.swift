/// An IPv4 address held as a 32-bit integer in host byte order (`10.0.0.1` is `0x0A00_0001`).
public struct IPv4Address: Hashable, Comparable, Sendable {
    public var value: UInt32

    @inlinable public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad notation (`192.0.2.1`); leading zeros and out-of-range octets are refused.
    public init?(_ text: some StringProtocol) {
        var result: UInt32 = 0
        var octets = 0
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard octets < 4, (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit),
                  part.count == 1 || part.first != "0", let octet = UInt8(part) else { return nil }
            result = result << 8 | UInt32(octet)
            octets += 1
        }
        guard octets == 4 else { return nil }
        value = result
    }

    public static let any = IPv4Address(0)
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    /// The four octets in network order.
    public var octets: [UInt8] { [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                                  UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }

    /// 169.254.0.0/16 (RFC 3927).
    public var isLinkLocal: Bool { value & 0xFFFF_0000 == 0xA9FE_0000 }
    /// 127.0.0.0/8.
    public var isLoopback: Bool { value >> 24 == 127 }
    /// 224.0.0.0/4.
    public var isMulticast: Bool { value >> 28 == 0xE }
}

extension IPv4Address: CustomStringConvertible {
    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }
}

extension Character {
    @usableFromInline var isASCIIDigit: Bool { isASCII && isNumber }
    @usableFromInline var isASCIIHexDigit: Bool { isASCII && isHexDigit }
}
