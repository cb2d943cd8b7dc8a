/// A network's 32-bit id: what the nftables maps carry and what the BGP large community
/// `ASN:1:network-id` names. It is derived from the name alone (FNV-1a, 32 bit), so hosts that
/// share no datastore still agree on it.
///
/// Ids below `firstDerived` (16) are reserved: 0 means "no network", 1 is `world`, 2 is `host`.
/// A name whose hash lands there has its top bit set instead, which never lands there.
public struct NetworkID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let none = NetworkID(rawValue: 0)
    public static let world = NetworkID(rawValue: 1)
    public static let host = NetworkID(rawValue: 2)
    /// The lowest id a named network can have.
    public static let firstDerived: UInt32 = 16

    /// The id of `name`: `world` → 1, `host` → 2, any other name → its FNV-1a hash (≥ 16).
    public init(deriving name: NetworkName) {
        if name == .world { self = .world; return }
        if name == .host { self = .host; return }
        let h = Self.fnv1a32(name.rawValue.utf8)
        rawValue = h < Self.firstDerived ? h | 0x8000_0000 : h
    }

    /// FNV-1a, 32 bit (offset basis 2166136261, prime 16777619), as in draft-eastlake-fnv.
    public static func fnv1a32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for b in bytes {
            hash ^= UInt32(b)
            hash = hash &* 16_777_619
        }
        return hash
    }

    public static func < (lhs: NetworkID, rhs: NetworkID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// As nft prints a `mark`: `0x0000abcd`.
    public var description: String {
        let hex = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// A named network with its derived id.
public struct Network: Hashable, Codable, Sendable {
    public let name: NetworkName
    public let id: NetworkID
    public init(name: NetworkName) { self.name = name; self.id = NetworkID(deriving: name) }
}
