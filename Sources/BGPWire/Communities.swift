/// A COMMUNITIES value (RFC 1997): `ASN:value`, with the IANA well-known ones named.
public struct Community: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(asn: UInt16, value: UInt16) { rawValue = UInt32(asn) << 16 | UInt32(value) }

    /// RFC 1997.
    public static let noExport = Community(rawValue: 0xFFFF_FF01)
    public static let noAdvertise = Community(rawValue: 0xFFFF_FF02)
    public static let noExportSubconfed = Community(rawValue: 0xFFFF_FF03)
    /// RFC 3765.
    public static let noPeer = Community(rawValue: 0xFFFF_FF04)
    /// RFC 8326.
    public static let gracefulShutdown = Community(rawValue: 0xFFFF_0000)
    /// RFC 7999.
    public static let blackhole = Community(rawValue: 0xFFFF_029A)
    /// RFC 9494.
    public static let llgrStale = Community(rawValue: 0xFFFF_0006)
    public static let noLLGR = Community(rawValue: 0xFFFF_0007)

    public var asn: UInt16 { UInt16(rawValue >> 16) }
    public var value: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public static func < (lhs: Community, rhs: Community) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .noExport: "no-export"
        case .noAdvertise: "no-advertise"
        case .noExportSubconfed: "no-export-subconfed"
        case .noPeer: "no-peer"
        case .gracefulShutdown: "graceful-shutdown"
        case .blackhole: "blackhole"
        case .llgrStale: "llgr-stale"
        case .noLLGR: "no-llgr"
        default: "\(asn):\(value)"
        }
    }
}

/// An EXTENDED_COMMUNITIES value (RFC 4360): eight octets, type and subtype first.
public struct ExtendedCommunity: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// A two-octet-AS-specific Route Target, `rt ASN:value` (RFC 4360 section 4).
    public static func routeTarget(asn: UInt16, value: UInt32) -> ExtendedCommunity {
        ExtendedCommunity(rawValue: 0x0002 << 48 | UInt64(asn) << 32 | UInt64(value))
    }

    /// The high-order type octet (bit 0x40 set: non-transitive across ASes).
    public var type: UInt8 { UInt8(rawValue >> 56) }
    public var subtype: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 48) }
    public var isTransitive: Bool { type & 0x40 == 0 }

    public static func < (lhs: ExtendedCommunity, rhs: ExtendedCommunity) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        let low48 = rawValue & 0xFFFF_FFFF_FFFF
        switch (type & 0x3F, subtype) {
        case (0x00, 0x02): return "rt \(low48 >> 32):\(low48 & 0xFFFF_FFFF)"
        case (0x00, 0x03): return "ro \(low48 >> 32):\(low48 & 0xFFFF_FFFF)"
        case (0x02, 0x02): return "rt \(low48 >> 16):\(low48 & 0xFFFF)"
        case (0x01, 0x02): return "rt \(IPv4Text(UInt32(low48 >> 16))):\(low48 & 0xFFFF)"
        default: return "0x" + String(rawValue, radix: 16)
        }
    }

    private func IPv4Text(_ v: UInt32) -> String { "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)" }
}

/// A LARGE_COMMUNITY value (RFC 8092): `global:local1:local2`, three 4-octet fields.
///
/// routed tags each host block with `ASN:1:network-id` so membership travels with the route.
public struct LargeCommunity: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var globalAdministrator: UInt32
    public var localData1: UInt32
    public var localData2: UInt32

    public init(_ globalAdministrator: UInt32, _ localData1: UInt32, _ localData2: UInt32) {
        self.globalAdministrator = globalAdministrator
        self.localData1 = localData1
        self.localData2 = localData2
    }

    public static func < (lhs: LargeCommunity, rhs: LargeCommunity) -> Bool {
        (lhs.globalAdministrator, lhs.localData1, lhs.localData2) < (rhs.globalAdministrator, rhs.localData1, rhs.localData2)
    }

    public var description: String { "\(globalAdministrator):\(localData1):\(localData2)" }
}
