public import IPAddressing

/// A set of prefixes on the Loc-RIB's open-addressing tables (`PrefixHashTable`, one per family):
/// a peer's Adj-RIB-Out. Inserting or finding one IPv4 prefix hashes one 64-bit word, where a
/// `Set<IPPrefix>` runs SipHash over 17 bytes.
public struct PrefixSet: Sendable {
    // Hashed differently from the Loc-RIB, whose storage order fills it (see `PrefixHashTable.multiplier`),
    // and in blocks of 16 buckets: a new peer's table arrives in prefix order (`LocRIB.TableSnapshot`).
    private var v4 = PrefixHashTable<IPv4PrefixKey, Bool>(multiplier: PrefixHashTable<IPv4PrefixKey, Bool>.splitMix, blockBits: 4)
    private var v6 = PrefixHashTable<IPv6Prefix, Bool>(multiplier: PrefixHashTable<IPv6Prefix, Bool>.splitMix)

    public init() {}

    public var count: Int { v4.count + v6.count }
    public var isEmpty: Bool { count == 0 }

    public func contains(_ prefix: IPPrefix) -> Bool {
        switch prefix {
        case .v4(let p): v4[IPv4PrefixKey(p)] != nil
        case .v6(let p): v6[p] != nil
        }
    }

    /// Adds `prefix`; false when it was already in.
    @discardableResult
    public mutating func insert(_ prefix: IPPrefix) -> Bool {
        switch prefix {
        case .v4(let p): return Self.insert(IPv4PrefixKey(p), into: &v4)
        case .v6(let p): return Self.insert(p, into: &v6)
        }
    }

    /// Removes `prefix`; false when it was not in.
    @discardableResult
    public mutating func remove(_ prefix: IPPrefix) -> Bool {
        switch prefix {
        case .v4(let p): return Self.remove(IPv4PrefixKey(p), from: &v4)
        case .v6(let p): return Self.remove(p, from: &v6)
        }
    }

    /// The longest probe run of either family's table (tests of clustering).
    var longestRun: Int { max(v4.longestRun, v6.longestRun) }

    /// Reads the bucket `prefix` hashes to, so that a bulk insert can start its cache misses
    /// some prefixes ahead (`PrefixHashTable.touch`); gather the result into `touched`.
    func touch(_ prefix: IPPrefix) -> UInt64 {
        switch prefix {
        case .v4(let p): v4.touch(IPv4PrefixKey(p))
        case .v6(let p): v6.touch(p)
        }
    }

    /// Keeps what `touch` read, so the reads are not optimised away.
    mutating func keepTouched(_ word: UInt64) { v4.touched = word }

    /// Room for `n` more IPv4 prefixes without growing on the way.
    public mutating func reserveIPv4(_ n: Int) { v4.reserve(n) }

    private static func insert<K>(_ key: K, into t: inout PrefixHashTable<K, Bool>) -> Bool { change(&t[key], to: true) }
    private static func remove<K>(_ key: K, from t: inout PrefixHashTable<K, Bool>) -> Bool { change(&t[key], to: nil) }

    /// Sets a bucket through the table's accessor (one probe); true when membership changed.
    private static func change(_ value: inout Bool?, to new: Bool?) -> Bool {
        defer { value = new }
        return (value == nil) != (new == nil)
    }
}
