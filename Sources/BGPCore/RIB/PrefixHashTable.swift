/// A value a bucket of `PrefixHashTable` holds, with the one it holds when empty.
protocol BucketValue: Sendable {
    static var vacant: Self { get }
    /// A byte of the value, for `PrefixHashTable.touch`.
    var flagsWord: UInt8 { get }
}

extension PrefixSlot: BucketValue {
    var flagsWord: UInt8 { flags }
}
extension Bool: BucketValue {
    static var vacant: Bool { false }
    var flagsWord: UInt8 { self ? 1 : 0 }
}

/// An open-addressing hash table from prefix keys to values (`PrefixSlot`s for the Loc-RIB, `Bool`
/// for a set of prefixes): linear probing over a power-of-two array of keys beside an array of
/// values (20 bytes a bucket for IPv4 and slots), load factor at most 3/4, multiplicative
/// (Fibonacci) hashing, and backward-shift deletion, so no tombstones.
///
/// Why not `Dictionary`: its per-lookup SipHash seeding was half of the Loc-RIB's ingest time
/// (perf, 1,000,000 /24s), and a prefix key needs no protection against chosen collisions beyond
/// what a peer's maximum-prefix limit already gives.
struct PrefixHashTable<Key: PrefixKey, Value: BucketValue>: Sendable {
    private var keys: [Key]
    private var values: [Value]
    private(set) var count = 0
    private var mask: Int
    /// 64 minus log2 of the capacity: the hash's top bits pick the bucket.
    private var shift: UInt64
    /// The odd constant keys are multiplied by. Tables filled from one another's storage order
    /// need different ones: keys arriving in the order of the same hash pile up in one probe run
    /// of a smaller table (quadratic inserts; seen when an Adj-RIB-Out was filled from the Loc-RIB).
    private let multiplier: UInt64
    /// Keys that differ only in their hash's low `blockBits` bits get neighbouring buckets: the
    /// multiplied hash picks a block of 2^blockBits buckets, the low bits the bucket in it. A set
    /// filled in prefix order (an Adj-RIB-Out taking a table walk) then writes each cache line
    /// several times instead of missing once per prefix; a key pattern that shares the low bits
    /// still spreads over the blocks. 0: every key's bucket from the multiplied hash alone.
    private let blockBits: UInt64

    /// The Loc-RIB's tables: Fibonacci hashing (2^64 divided by the golden ratio).
    static var fibonacci: UInt64 { 0x9E37_79B9_7F4A_7C15 }
    /// Another odd constant with well-mixed bits (SplitMix64's), for sets filled from the Loc-RIB.
    static var splitMix: UInt64 { 0xBF58_476D_1CE4_E5B9 }

    init(multiplier: UInt64 = Self.fibonacci, blockBits: UInt64 = 0) {
        precondition(blockBits <= 4, "blocks larger than the smallest table")
        self.multiplier = multiplier
        self.blockBits = blockBits
        keys = Array(repeating: Key.vacant, count: 16)
        values = Array(repeating: Value.vacant, count: 16)
        mask = 15
        shift = 60
    }

    var capacity: Int { keys.count }

    /// Grows the table once so that `additional` more keys fit without growing again.
    mutating func reserve(_ additional: Int) {
        while (count + additional) * 4 > keys.count * 3 { grow() }
    }

    private func home(_ key: Key) -> Int {
        let h = key.hash64
        // The top log2(capacity) - blockBits bits of the product (`>>`: a shift by 64 gives 0).
        let block = (((h &>> blockBits) &* multiplier) >> (shift + blockBits)) &<< blockBits
        return Int(truncatingIfNeeded: block | h & (1 &<< blockBits &- 1))
    }

    /// Reads the home bucket of `key` (its key and its value) and returns a word of it: a software
    /// prefetch in plain Swift. A bulk insert touches the bucket of a key some places ahead, so its
    /// cache misses overlap the work on the keys before it; the words go to `touched`, so the
    /// reads are not optimised away.
    func touch(_ key: Key) -> UInt64 {
        let i = home(key)
        return keys[i].hash64 &+ UInt64(values[i].flagsWord)
    }

    /// What the last bulk insert's `touch`es read (kept only so that they happen).
    var touched: UInt64 = 0

    /// The bucket holding `key`, or the vacant bucket where it would go.
    private func probe(_ key: Key) -> (index: Int, found: Bool) {
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { return (i, true) }
            if k == Key.vacant { return (i, false) }
            i = (i + 1) & mask
        }
    }

    subscript(key: Key) -> Value? {
        get {
            let (i, found) = probe(key)
            return found ? values[i] : nil
        }
        _modify {
            let (i, found) = probe(key)
            var value: Value? = found ? values[i] : nil
            defer {
                switch (found, value) {
                case (true, let v?): values[i] = v
                case (true, nil): remove(at: i)
                case (false, let v?): insert(key, v, at: i)
                case (false, nil): break
                }
            }
            yield &value
        }
    }

    private mutating func insert(_ key: Key, _ value: Value, at i: Int) {
        keys[i] = key
        values[i] = value
        count += 1
        if count * 4 > keys.count * 3 { grow() }
    }

    /// Backward-shift deletion: later entries of the probe run move up into the hole.
    private mutating func remove(at index: Int) {
        var hole = index
        var j = index
        while true {
            j = (j + 1) & mask
            let k = keys[j]
            if k == Key.vacant { break }
            let h = home(k)
            // Move k into the hole when its home is not inside (hole, j].
            if (j - h) & mask >= (j - hole) & mask {
                keys[hole] = k
                values[hole] = values[j]
                hole = j
            }
        }
        keys[hole] = Key.vacant
        values[hole] = Value.vacant
        count -= 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: Key.vacant, count: oldKeys.count * 2)
        values = Array(repeating: Value.vacant, count: oldKeys.count * 2)
        mask = keys.count - 1
        shift -= 1
        for i in oldKeys.indices where oldKeys[i] != Key.vacant {
            var j = home(oldKeys[i])
            while keys[j] != Key.vacant { j = (j + 1) & mask }
            keys[j] = oldKeys[i]
            values[j] = oldValues[i]
        }
    }

    // Bucket access for whole-table passes (no bucket is added or removed during them).
    func isOccupied(_ i: Int) -> Bool { keys[i] != Key.vacant }
    func key(at i: Int) -> Key { keys[i] }
    subscript(bucket i: Int) -> Value {
        get { values[i] }
        set { values[i] = newValue }
    }

    /// The longest run of occupied buckets: what the worst lookup probes (tests of clustering).
    var longestRun: Int {
        var longest = 0, current = 0
        // Twice round, so a run wrapping past the end counts whole.
        for i in 0..<(2 * keys.count) {
            current = keys[i & mask] == Key.vacant ? 0 : current + 1
            longest = max(longest, current)
        }
        return min(longest, keys.count)
    }

    /// Calls `body` with the bucket and key of every entry, in storage order.
    func forEachOccupied(_ body: (_ bucket: Int, _ key: Key) -> Void) {
        for i in keys.indices where keys[i] != Key.vacant { body(i, keys[i]) }
    }

    /// Every entry, in no particular order.
    var entries: [(key: Key, value: Value)] {
        var out: [(key: Key, value: Value)] = []
        out.reserveCapacity(count)
        for i in keys.indices where keys[i] != Key.vacant { out.append((keys[i], values[i])) }
        return out
    }
}
