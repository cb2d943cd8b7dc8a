public import Foundation

/// Times as an operator reads them: relative (`3m12s`, `2h05m`, `4d03h`, like `birdc`'s since column
/// grown up) and absolute in UTC (`2026-11-23 14:10:02Z`). Pure: `now` is an argument.
public enum TimeText {
    /// The time from `date` to `now`, two units at most; `0s` for a date in the future.
    public static func elapsed(since date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date).rounded(.down)))
        let (d, h, m, s) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60, seconds % 60)
        if d > 0 { return "\(d)d" + two(h) + "h" }
        if h > 0 { return "\(h)h" + two(m) + "m" }
        if m > 0 { return "\(m)m" + two(s) + "s" }
        return "\(s)s"
    }

    /// `2026-11-23 14:10:02Z`.
    public static func absolute(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return "\(c.year!)-\(two(c.month!))-\(two(c.day!)) \(two(c.hour!)):\(two(c.minute!)):\(two(c.second!))Z"
    }

    /// `3m12s ago (2026-11-23 14:10:02Z)`.
    public static func since(_ date: Date, now: Date) -> String {
        "\(elapsed(since: date, now: now)) ago (\(absolute(date)))"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
