/// A fixed-size set of offsets, one bit each, in 64-bit words (bit `i` of word `i / 64`).
public struct Bitmap: Hashable, Sendable {
    public private(set) var words: [UInt64]
    /// How many bits (addresses) the map covers.
    public let count: Int

    public init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    /// Rebuilds from stored words; nil when the word count does not match `count`.
    public init?(count: Int, words: [UInt64]) {
        guard words.count == (count + 63) / 64 else { return nil }
        if count % 64 != 0, let last = words.last, last >> UInt64(count % 64) != 0 { return nil }
        self.count = count
        self.words = words
    }

    public subscript(_ i: Int) -> Bool {
        get { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
        set {
            if newValue { words[i >> 6] |= 1 << UInt64(i & 63) } else { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
        }
    }

    /// Number of bits set.
    public var population: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The lowest offset set in neither `self` nor `other` (which must have the same count).
    public func firstClear(excluding other: Bitmap) -> Int? {
        for w in words.indices {
            let free = ~(words[w] | other.words[w])
            if free != 0 {
                let i = w << 6 + free.trailingZeroBitCount
                return i < count ? i : nil
            }
        }
        return nil
    }

    /// Offsets set, ascending.
    public var members: [Int] {
        var out: [Int] = []
        for (w, word) in words.enumerated() {
            var x = word
            while x != 0 {
                out.append(w << 6 + x.trailingZeroBitCount)
                x &= x - 1
            }
        }
        return out
    }
}
