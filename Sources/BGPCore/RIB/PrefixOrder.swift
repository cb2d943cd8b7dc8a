/// The occupied buckets of an IPv4 prefix table in prefix order, sorted as a walk reaches them:
/// one counting pass groups the keys by the top 16 bits of their address, and each group is
/// sorted when the walk first needs it. A new peer's first UPDATE waits for the grouping only
/// (a few milliseconds for a million prefixes), not for the whole sort (~30 ms for a radix
/// sort, ~130 ms for `sort()`); the rest is sorted a step at a time, while the peer ingests.
struct PrefixOrder: Sendable {
    /// Per entry, `IPv4PrefixKey.raw << 24 | bucket`: address, length, bucket from the top bit
    /// down, so comparing words compares prefixes. Grouped; sorted up to `sortedEnd`.
    private var words: [UInt64]
    /// Where each non-empty group ends in `words`, ascending.
    private let groupEnds: [Int]
    private var sortedEnd = 0
    private var nextGroup = 0

    /// The largest table it orders: a bucket number takes 24 bits of a word.
    static let maxCapacity = 1 << 24

    init(_ table: PrefixHashTable<IPv4PrefixKey, PrefixSlot>) {
        var starts = [Int](repeating: 0, count: 65_537)
        table.forEachOccupied { _, key in starts[Int(truncatingIfNeeded: key.raw >> 24) &+ 1] &+= 1 }
        for g in 1...65_536 { starts[g] &+= starts[g &- 1] }
        var ends: [Int] = []
        for g in 1...65_536 where starts[g] > starts[g &- 1] { ends.append(starts[g]) }
        groupEnds = ends
        var grouped = [UInt64](repeating: 0, count: table.count)
        grouped.withUnsafeMutableBufferPointer { out in
            table.forEachOccupied { bucket, key in
                let g = Int(truncatingIfNeeded: key.raw >> 24)
                out[starts[g]] = key.raw << 24 | UInt64(bucket)
                starts[g] &+= 1
            }
        }
        words = grouped
    }

    var count: Int { words.count }

    /// The entries at positions `range` of the order, their groups sorted first: the words, to
    /// read with `key(_:)` and `bucket(_:)`.
    mutating func entries(_ range: Range<Int>) -> ArraySlice<UInt64> {
        while sortedEnd < range.upperBound {
            let end = groupEnds[nextGroup]
            words[sortedEnd..<end].sort()
            sortedEnd = end
            nextGroup += 1
        }
        return words[range]
    }

    static func key(_ word: UInt64) -> IPv4PrefixKey { IPv4PrefixKey(raw: word >> 24) }
    static func bucket(_ word: UInt64) -> Int { Int(truncatingIfNeeded: word & 0xFF_FFFF) }
}
