/// An nf_tables address family (`NFPROTO_*`): `inet` covers IPv4 and IPv6.
public enum NFTFamily: UInt16, Sendable {
    case inet = 1, ipv4 = 2, ipv6 = 10
    public var name: String { switch self { case .inet: "inet"; case .ipv4: "ip"; case .ipv6: "ip6" } }
}

/// A netfilter hook a base chain attaches to (`NF_INET_*`).
public enum NFTHook: UInt32, Sendable {
    case prerouting = 0, input = 1, forward = 2, output = 3, postrouting = 4
}

/// `chain NAME { type filter hook HOOK priority P; policy accept; comment "..." }`; a regular
/// chain (no hook) is only reached by jump/goto.
public struct NFTChain: Hashable, Sendable {
    public var name: String
    public var hook: NFTHook?
    public var priority: Int32
    public var acceptByDefault: Bool
    public var comment: String?
    public init(_ name: String, hook: NFTHook? = nil, priority: Int32 = 0, acceptByDefault: Bool = true, comment: String? = nil) {
        self.name = name; self.hook = hook; self.priority = priority; self.acceptByDefault = acceptByDefault; self.comment = comment
    }
}

/// nft's data type numbers (`enum datatypes` in nftables' datatype.h), which name a set's key and
/// data for `nft list`; a concatenation packs them 6 bits each (`concat_subtype_add`).
public enum NFTDataType: UInt32, Sendable {
    case verdict = 1, inetProtocol = 12, inetService = 13, mark = 19, ipv4Address = 7, ipv6Address = 8, ifname = 41
    public static func concatenation(_ types: [NFTDataType]) -> UInt32 {
        types.reduce(0) { ($0 << 6) | $1.rawValue }
    }
}

/// `set`/`map NAME { type KEY [: DATA]; flags ... }`.
public struct NFTSet: Hashable, Sendable {
    public var name: String
    /// Batch-local id, so rules and elements in the same batch can refer to a set not yet committed.
    public var id: UInt32
    public var keyType: UInt32
    public var keyLength: UInt32
    /// The length of each field of a concatenated key, in bytes (`NFTA_SET_DESC_CONCAT`); each
    /// field takes a multiple of 4 bytes in the key.
    public var concatFieldLengths: [UInt8]
    public var dataType: UInt32?
    public var dataLength: UInt32
    public var interval: Bool
    /// Data stored in host byte order (nft's `mark`), so `nft list` prints it right.
    public var dataHostOrder: Bool
    /// Tells nft the key is held in host byte order, as nft itself marks an `ifname` key (`NFTNL_UDATA_SET_KEYBYTEORDER`), so
    /// `nft list` prints an `ifname` key as the name rather than reversed.
    public var keyHostOrder: Bool
    /// `size N`: the most elements the set may hold (`NFTA_SET_DESC_SIZE`). The kernel also
    /// sizes a hash set's table from it up front, instead of growing it element by element
    /// while a large batch loads (`rhashtable_insert_slow`).
    public var size: UInt32?
    public init(name: String, id: UInt32, key: [NFTDataType], keyLength: UInt32, concatFieldLengths: [UInt8] = [],
                data: NFTDataType? = nil, dataLength: UInt32 = 0, interval: Bool = false, dataHostOrder: Bool = false, keyHostOrder: Bool = false,
                size: UInt32? = nil) {
        self.size = size
        self.name = name; self.id = id
        self.keyType = NFTDataType.concatenation(key); self.keyLength = keyLength
        self.concatFieldLengths = concatFieldLengths
        self.dataType = data.map { $0 == .verdict ? 0xffff_ff00 : $0.rawValue }   // NFT_DATA_VERDICT
        self.dataLength = dataLength; self.interval = interval; self.dataHostOrder = dataHostOrder
        self.keyHostOrder = keyHostOrder
    }
    public var isMap: Bool { dataType != nil }
}

/// One element: its key (bytes as the kernel compares them), the end of its range when the set
/// is an interval concatenation (`KEY_END`), or the interval-end flag of a plain interval set,
/// and its data or verdict for a map.
public struct NFTElement: Hashable, Sendable {
    public enum Value: Hashable, Sendable { case none, data([UInt8]), verdict(NFTVerdict) }
    public var key: [UInt8]
    public var keyEnd: [UInt8]?
    public var intervalEnd: Bool
    public var value: Value
    public init(key: [UInt8], keyEnd: [UInt8]? = nil, intervalEnd: Bool = false, value: Value = .none) {
        self.key = key; self.keyEnd = keyEnd; self.intervalEnd = intervalEnd; self.value = value
    }
}
