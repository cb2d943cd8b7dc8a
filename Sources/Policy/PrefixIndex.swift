/// Every prefix that labels addresses (memberships and local endpoints' addresses) with its
/// owners, kept sorted so that one membership change re-partitions only the addresses the
/// changed prefix covers (`relabel`) instead of all of them: the incremental form of
/// `IntervalPartition`, giving the same canonical intervals.
public struct PrefixIndex<A: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    struct Key: Hashable, Comparable {
        var first: A, length: Int
        static func < (l: Key, r: Key) -> Bool { (l.first, l.length) < (r.first, r.length) }
    }
    /// Owners of each prefix with a reference count (the same prefix may come from a membership
    /// and from an endpoint).
    private var owners: [Key: [NetworkID: Int]] = [:]
    /// The keys, ascending.
    private var sorted: [Key] = []

    public init() {}

    static func last(_ first: A, _ length: Int) -> A {
        first | (length == 0 ? A.max : (length >= A.bitWidth ? 0 : A.max >> length))
    }
    static func mask(_ a: A, _ length: Int) -> A {
        length == 0 ? 0 : (length >= A.bitWidth ? a : a & (A.max << (A.bitWidth - length)))
    }

    public mutating func insert(first: A, length: Int, network: NetworkID) {
        let k = Key(first: Self.mask(first, length), length: length)
        if owners[k] == nil {
            owners[k] = [:]
            sorted.insert(k, at: insertionPoint(k))
        }
        owners[k]![network, default: 0] += 1
    }

    public mutating func remove(first: A, length: Int, network: NetworkID) {
        let k = Key(first: Self.mask(first, length), length: length)
        guard let n = owners[k]?[network] else { return }
        if n > 1 { owners[k]![network] = n - 1; return }
        owners[k]![network] = nil
        if owners[k]!.isEmpty {
            owners[k] = nil
            let i = insertionPoint(k)
            if i < sorted.count, sorted[i] == k { sorted.remove(at: i) }
        }
    }

    private func insertionPoint(_ k: Key) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] < k { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// The label of a prefix: with several owners the lowest id keeps it (as in a full compile).
    private func label(_ k: Key) -> NetworkID? { owners[k]?.keys.min() }

    /// Recomputes the partition inside the prefix `first/length` after the index changed, and
    /// splices it into `intervals` (a total, canonical partition). Returns the intervals that
    /// left and those that came in (an unchanged partition gives two empty lists).
    public func relabel(first: A, length: Int, in intervals: inout [AddressInterval<A>]) -> (removed: [AddressInterval<A>], added: [AddressInterval<A>]) {
        let lo = Self.mask(first, length), hi = Self.last(lo, length)
        // Inputs: every prefix inside [lo, hi], and the nearest enclosing prefix's label as background.
        var inputs: [IntervalPartition.Input<A>] = []
        var i = insertionPoint(Key(first: lo, length: 0))
        var exact = false
        while i < sorted.count, sorted[i].first <= hi {
            let k = sorted[i]
            if k.length >= length, let n = label(k) {
                inputs.append(.init(first: k.first, length: k.length, network: n))
                if k.length == length { exact = true }
            }
            i += 1
        }
        if !exact {
            var background = NetworkID.world
            var l = length - 1
            while l >= 0 {
                if let n = label(Key(first: Self.mask(lo, l), length: l)) { background = n; break }
                l -= 1
            }
            inputs.append(.init(first: lo, length: length, network: background))
        }
        var ignored: [(String, NetworkID, NetworkID)] = []
        let local = IntervalPartition.partition(inputs, conflicts: &ignored) { _, _ in "" }
            .compactMap { iv -> AddressInterval<A>? in
                guard iv.last >= lo, iv.first <= hi else { return nil }
                return AddressInterval(first: max(iv.first, lo), last: min(iv.last, hi), network: iv.network)
            }
        // The old intervals overlapping [lo, hi], widened by one neighbour on each side (they may merge).
        func firstEnding(atOrAfter a: A) -> Int {
            var l = 0, h = intervals.count
            while l < h { let m = (l + h) / 2; if intervals[m].last < a { l = m + 1 } else { h = m } }
            return l
        }
        let a = firstEnding(atOrAfter: lo), b = firstEnding(atOrAfter: hi)
        guard a < intervals.count, b < intervals.count else { return ([], []) }
        let start = max(a - 1, 0), end = min(b + 1, intervals.count - 1)
        var segment: [AddressInterval<A>] = []
        if start < a { segment.append(intervals[start]) }
        if intervals[a].first < lo { segment.append(AddressInterval(first: intervals[a].first, last: lo - 1, network: intervals[a].network)) }
        segment += local
        if intervals[b].last > hi { segment.append(AddressInterval(first: hi + 1, last: intervals[b].last, network: intervals[b].network)) }
        if end > b { segment.append(intervals[end]) }
        var merged: [AddressInterval<A>] = []
        for iv in segment {
            if let p = merged.last, p.network == iv.network, p.last &+ 1 == iv.first {
                merged[merged.count - 1] = AddressInterval(first: p.first, last: iv.last, network: iv.network)
            } else {
                merged.append(iv)
            }
        }
        let old = Array(intervals[start...end])
        let oldSet = Set(old), newSet = Set(merged)
        let removed = old.filter { !newSet.contains($0) }, added = merged.filter { !oldSet.contains($0) }
        if !removed.isEmpty || !added.isEmpty { intervals.replaceSubrange(start...end, with: merged) }
        return (removed, added)
    }
}
