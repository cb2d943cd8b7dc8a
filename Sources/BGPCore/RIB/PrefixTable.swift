import IPAddressing

/// One path to a prefix: which peer, which ADD-PATH identifier, which interned attributes.
struct StoredPath: Hashable, Sendable {
    var peer: PeerID
    var pathID: UInt32
    var attributes: UInt32
    /// Kept from a restarting peer until it re-announces or the restart ends (RFC 4724 section 4.2).
    var stale: Bool
}

/// A prefix's entry in the Loc-RIB: 12 bytes stored inline in the prefix table's hash buckets.
///
/// A prefix with one path (by far the common case: one upstream, or one path per block in a mesh)
/// holds that path here and costs no heap allocation of its own; whether it is selected is one bit,
/// since a single eligible path is always the best (`BestPathReason.onlyPath`). A prefix with several
/// paths holds the index of its `MultiPathEntry` instead (like BIRD's `net` pointing at its routes).
struct PrefixSlot: Sendable {
    /// One path: its attribute handle. Several: the index of the `MultiPathEntry`.
    var handle: UInt32
    var pathID: UInt32
    /// One path: its peer. Several: `PrefixSlot.multi`.
    var peer: UInt16
    var flags: UInt8

    /// The peer value that marks a slot pointing at a `MultiPathEntry` (`LocRIB.addPeer` stops below it).
    static let multi: UInt16 = .max
    static let staleFlag: UInt8 = 1
    static let selectedFlag: UInt8 = 2

    init(_ path: StoredPath, selected: Bool) {
        handle = path.attributes
        pathID = path.pathID
        peer = path.peer.rawValue
        flags = (path.stale ? Self.staleFlag : 0) | (selected ? Self.selectedFlag : 0)
    }

    init(multiPathEntry index: UInt32) {
        handle = index
        pathID = 0
        peer = Self.multi
        flags = 0
    }

    /// What an empty bucket of `PrefixHashTable` holds.
    static let vacant = PrefixSlot(multiPathEntry: .max)

    var isMulti: Bool { peer == Self.multi }
    var isSelected: Bool { flags & Self.selectedFlag != 0 }
    var path: StoredPath {
        StoredPath(peer: PeerID(rawValue: peer), pathID: pathID, attributes: handle, stale: flags & Self.staleFlag != 0)
    }
}

/// The best path of a prefix as handles. Two are equal exactly when the `SelectedRoute`s they
/// stand for are: the attribute handle of an interned set names its value.
struct BestChoice: Equatable, Sendable {
    var peer: PeerID
    var attributes: UInt32
    var reason: BestPathReason
    /// The multipath next hops when the multipath set holds more than the winner; empty otherwise
    /// (the route's `multipathNextHops` is then the winner's next hop alone).
    var multipathNextHops: [IPAddress] = []
}

/// The paths of a prefix that has more than one, and the best among them.
struct MultiPathEntry: Sendable {
    var paths: [StoredPath]
    var best: BestChoice?
}

/// The out-of-line storage of multi-path prefixes, reusing freed entries.
struct MultiPathStore: Sendable {
    private(set) var entries: [MultiPathEntry] = []
    private var free: [UInt32] = []

    mutating func add(_ entry: MultiPathEntry) -> UInt32 {
        if let index = free.popLast() {
            entries[Int(index)] = entry
            return index
        }
        entries.append(entry)
        return UInt32(entries.count - 1)
    }

    mutating func remove(_ index: UInt32) -> MultiPathEntry {
        let entry = entries[Int(index)]
        entries[Int(index)] = MultiPathEntry(paths: [], best: nil)
        free.append(index)
        return entry
    }

    subscript(index: UInt32) -> MultiPathEntry {
        get { entries[Int(index)] }
        _modify { yield &entries[Int(index)] }
    }
}

/// How a family's prefixes are keyed in its table.
protocol PrefixKey: Hashable, Comparable, Sendable {
    var prefix: IPPrefix { get }
    /// 64 bits that differ between keys, for `PrefixHashTable` to hash.
    var hash64: UInt64 { get }
    /// A value no prefix has: an empty bucket.
    static var vacant: Self { get }
}

/// An IPv4 prefix as one 64-bit word, address then length: 8 bytes to hash and store (an `IPPrefix`
/// takes 17), and ordered like `IPv4Prefix`.
struct IPv4PrefixKey: PrefixKey {
    let raw: UInt64
    init(_ p: IPv4Prefix) { raw = UInt64(p.address.value) << 8 | UInt64(p.length) }
    init(raw: UInt64) { self.raw = raw }
    /// The network number (the address without its host bits) with the length above it: under
    /// Fibonacci hashing consecutive keys spread most evenly, and consecutive prefixes of one length
    /// are consecutive network numbers. (The raw word would step by 2^(40 - length): 1M /24s took
    /// half as long again as 1M /32s, from an uneven spread.)
    var hash64: UInt64 {
        let length = raw & 0xFF
        return (raw &>> 8) &>> (32 &- length) | length &<< 40
    }
    /// Length 255: no prefix.
    static let vacant = IPv4PrefixKey(raw: .max)
    var prefix: IPPrefix { .v4(IPv4Prefix(unchecked: UInt32(truncatingIfNeeded: raw >> 8), length: UInt8(truncatingIfNeeded: raw))) }
    static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
}

extension IPv6Prefix: PrefixKey {
    var prefix: IPPrefix { .v6(self) }
    var hash64: UInt64 { (address.high &* 0xFF51_AFD7_ED55_8CCD) ^ address.low ^ UInt64(length) &<< 56 }
    /// Length 255: no prefix.
    static let vacant = IPv6Prefix(unchecked: IPv6Address(high: .max, low: .max), length: 255)
}

/// One address family's prefixes: a hash table of inline slots, and the multi-path entries.
struct PrefixTable<Key: PrefixKey>: Sendable {
    var slots = PrefixHashTable<Key, PrefixSlot>()
    var multi = MultiPathStore()

    /// The paths of a slot, the inline one or the entry's.
    func paths(_ slot: PrefixSlot) -> [StoredPath] { slot.isMulti ? multi[slot.handle].paths : [slot.path] }

    /// Whether a slot holds a path `matches` selects (no array for the inline path).
    func contains(_ slot: PrefixSlot, where matches: (StoredPath) -> Bool) -> Bool {
        slot.isMulti ? multi[slot.handle].paths.contains(where: matches) : matches(slot.path)
    }
}
