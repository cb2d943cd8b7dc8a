/// An IPv6 address as two 64-bit halves in host byte order (`high` holds the first 8 octets).
public struct IPv6Address: Hashable, Comparable, Sendable {
    public var high: UInt64
    public var low: UInt64

    @inlinable public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    /// Builds an address from 16 octets in network order.
    public init<C: Collection>(octets: C) where C.Element == UInt8 {
        precondition(octets.count == 16, "an IPv6 address has 16 octets")
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, b) in octets.enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        high = h; low = l
    }

    /// Parses RFC 4291 text (`2001:db8::1`, `::ffff:192.0.2.1`); RFC 5952 form is printed.
    public init?(_ text: some StringProtocol) {
        let s = String(text)
        guard !s.isEmpty, s.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var compressAt: Int?
        var halves: [String] = []
        if let r = s.firstRange(of: "::") {
            halves = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
            guard !halves[1].contains("::") else { return nil }
        } else {
            halves = [s]
        }
        func parse(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, field) in fields.enumerated() {
                if i == fields.count - 1, field.contains(".") {
                    guard let v4 = IPv4Address(field) else { return nil }
                    out.append(UInt16(v4.value >> 16)); out.append(UInt16(v4.value & 0xFFFF))
                    continue
                }
                guard (1...4).contains(field.count), field.allSatisfy(\.isASCIIHexDigit),
                      let v = UInt16(field, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let first = parse(halves[0]) else { return nil }
        groups = first
        if halves.count == 2 {
            guard let second = parse(halves[1]), first.count + second.count <= 7 else { return nil }
            compressAt = first.count
            groups += second
        }
        if let at = compressAt {
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: at)
        }
        guard groups.count == 8 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, g) in groups.enumerated() {
            if i < 4 { h = h << 16 | UInt64(g) } else { l = l << 16 | UInt64(g) }
        }
        high = h; low = l
    }

    public static let any = IPv6Address(high: 0, low: 0)
    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The sixteen octets in network order.
    public var octets: [UInt8] {
        (0..<16).map { i in UInt8(truncatingIfNeeded: (i < 8 ? high : low) >> (8 * (7 - UInt64(i % 8)))) }
    }

    /// fe80::/10 (RFC 4291 section 2.5.6).
    public var isLinkLocal: Bool { high >> 54 == 0x3FA }
}

extension IPv6Address: CustomStringConvertible {
    /// RFC 5952: lower case, longest run of two or more zero groups compressed, leftmost on a tie.
    public var description: String {
        let groups = (0..<8).map { i in UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> (16 * (3 - UInt64(i % 4)))) }
        var bestStart = -1, bestLen = 0, runStart = -1
        for i in 0...8 {
            if i < 8, groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLen { bestStart = runStart; bestLen = i - runStart }
                runStart = -1
            }
        }
        if bestLen < 2 { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
        let head = groups[..<bestStart].map { String($0, radix: 16) }.joined(separator: ":")
        let tail = groups[(bestStart + bestLen)...].map { String($0, radix: 16) }.joined(separator: ":")
        return head + "::" + tail
    }
}
