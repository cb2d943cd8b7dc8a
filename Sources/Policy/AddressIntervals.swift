/// An inclusive range of addresses (as integers) that all belong to one network: an element of
/// the nft interval map `addr4`/`addr6` (`10.0.0.0/24 : 0x5f1c3a20`).
public struct AddressInterval<Address: FixedWidthInteger & UnsignedInteger & Sendable>: Hashable, Sendable {
    public let first: Address
    public let last: Address
    public let network: NetworkID
    public init(first: Address, last: Address, network: NetworkID) {
        self.first = first; self.last = last; self.network = network
    }

    /// The prefix length when the range is exactly one prefix (`first` aligned, size 2^n).
    public var prefixLength: Int? {
        let span = last &- first
        // span + 1 must be a power of two (span all ones) and first aligned to it.
        guard span & (span &+ 1) == 0, first & span == 0 else { return nil }
        return Address.bitWidth - span.nonzeroBitCount
    }
}

/// Longest-prefix-match partition: turns possibly nested prefixes into disjoint intervals
/// covering the whole address space, each labelled with the network of the most specific
/// prefix covering it (`world` where none does). Adjacent intervals of one network are merged,
/// so the result is canonical: equal memberships give equal intervals, whatever the input order.
/// An nft interval map cannot hold overlapping elements, hence this step.
///
/// Two networks claiming the very same prefix is a conflict: the lower id keeps it, and the
/// conflict is reported.
enum IntervalPartition {
    struct Input<A: FixedWidthInteger & UnsignedInteger> {
        var first: A, length: Int, network: NetworkID
        var last: A { first | (length == 0 ? A.max : (length >= A.bitWidth ? 0 : A.max >> length)) }
    }

    static func partition<A: FixedWidthInteger & UnsignedInteger & Sendable>(
        _ inputs: [Input<A>], conflicts: inout [(String, NetworkID, NetworkID)], describe: (A, Int) -> String
    ) -> [AddressInterval<A>] {
        let sorted = inputs.sorted { ($0.first, $0.length, $0.network) < ($1.first, $1.length, $1.network) }
        var unique: [Input<A>] = []
        for p in sorted {
            if let prev = unique.last, prev.first == p.first, prev.length == p.length {
                if prev.network != p.network { conflicts.append((describe(p.first, p.length), prev.network, p.network)) }
                continue
            }
            unique.append(p)
        }
        var out: [AddressInterval<A>] = []
        func emit(_ first: A, _ last: A, _ id: NetworkID) {
            if let prev = out.last, prev.network == id, prev.last &+ 1 == first {
                out[out.count - 1] = AddressInterval(first: prev.first, last: last, network: id)
            } else {
                out.append(AddressInterval(first: first, last: last, network: id))
            }
        }
        var cursor: A? = 0          // next address not yet emitted; nil once A.max is emitted
        var stack: [(last: A, id: NetworkID)] = []
        func popThrough(_ limit: A?) {  // close every open prefix that ends before `limit`
            while let top = stack.last, limit.map({ top.last < $0 }) ?? true {
                if let c = cursor, c <= top.last {
                    emit(c, top.last, top.id)
                    cursor = top.last == A.max ? nil : top.last + 1
                }
                stack.removeLast()
            }
        }
        for p in unique {
            popThrough(p.first)
            if let c = cursor, c < p.first { emit(c, p.first - 1, stack.last?.id ?? .world) }
            cursor = p.first
            stack.append((p.last, p.network))
        }
        popThrough(nil)
        if let c = cursor { emit(c, A.max, .world) }
        return out
    }
}
