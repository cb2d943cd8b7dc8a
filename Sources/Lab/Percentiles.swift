/// Summary statistics of a benchmark's samples, as BENCHMARKS.md quotes them.
public struct Percentiles: Hashable, Sendable {
    public var count: Int
    public var p50: Double
    public var p99: Double
    public var min: Double
    public var max: Double

    /// Nearest-rank percentiles: the p-th percentile of n sorted samples is the one at rank
    /// ⌈p/100 · n⌉, so p50 of [1, 2, 3, 4] is 2 and p99 of 100 samples is the 99th smallest.
    /// Nil for no samples.
    public init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func rank(_ p: Double) -> Double {
            let r = Int((p / 100 * Double(sorted.count)).rounded(.up))
            return sorted[Swift.max(1, Swift.min(r, sorted.count)) - 1]
        }
        count = sorted.count
        p50 = rank(50)
        p99 = rank(99)
        min = sorted[0]
        max = sorted[sorted.count - 1]
    }

    /// The median of `samples` (the middle one, or the mean of the two middle ones), nil for none.
    public static func median(_ samples: [Double]) -> Double? {
        guard !samples.isEmpty else { return nil }
        let s = samples.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }
}
