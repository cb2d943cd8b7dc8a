public import IPAddressing

/// A prefix list: `10.0.0.0/8 ge 24 le 26` matches the prefixes inside 10.0.0.0/8 whose length is
/// 24 to 26 (the `ip prefix-list` of FRR, BIRD's `[10.0.0.0/8{24,26}]`).
public struct PrefixList: Hashable, Sendable {
    public struct Entry: Hashable, Sendable, CustomStringConvertible {
        public var prefix: IPPrefix
        /// Smallest length matched; defaults to the prefix's own length.
        public var ge: UInt8?
        /// Largest length matched; defaults to `ge` when given, else the prefix's own length.
        public var le: UInt8?

        public init(_ prefix: IPPrefix, ge: UInt8? = nil, le: UInt8? = nil) {
            self.prefix = prefix
            self.ge = ge
            self.le = le
        }

        public func matches(_ candidate: IPPrefix) -> Bool {
            let low = ge ?? prefix.length
            let high = le ?? (ge == nil ? prefix.length : (prefix.isV4 ? 32 : 128))
            guard (low...max(low, high)).contains(candidate.length) else { return false }
            switch (prefix, candidate) {
            case (.v4(let p), .v4(let c)): return p.contains(c)
            case (.v6(let p), .v6(let c)): return p.contains(c)
            default: return false
            }
        }

        public var description: String {
            var s = "\(prefix)"
            if let ge { s += " ge \(ge)" }
            if let le { s += " le \(le)" }
            return s
        }
    }

    public var entries: [Entry]
    public init(_ entries: [Entry]) { self.entries = entries }

    public func matches(_ prefix: IPPrefix) -> Bool { entries.contains { $0.matches(prefix) } }
}

extension IPPrefix {
    var isV4: Bool { if case .v4 = self { true } else { false } }
}
