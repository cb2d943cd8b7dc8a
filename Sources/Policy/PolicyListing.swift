/// Packets and bytes a policy counted: its chain `pN` and the rules it is folded into
/// (nft `counter packets N bytes M`), summed.
public struct PolicyCounter: Hashable, Sendable {
    public var packets: UInt64
    public var bytes: UInt64
    public init(packets: UInt64, bytes: UInt64) { self.packets = packets; self.bytes = bytes }
}

/// One row of `routed policy list`.
public struct PolicyListRow: Hashable, Sendable {
    public var id: PolicyID
    public var rule: PolicyRule
    public var counter: PolicyCounter?
}

extension PolicyBook {
    /// The rows of `routed policy list`, by id, with the hits of each policy when known.
    public func listing(counters: [PolicyID: PolicyCounter] = [:]) -> [PolicyListRow] {
        sortedPolicies.map { PolicyListRow(id: $0.id, rule: $0.rule, counter: counters[$0.id]) }
    }

    /// `routed policy list` as a table:
    /// ```
    /// ID  POLICY                                   PACKETS  BYTES
    /// 1   deny lamp lnmp                           12       1008
    /// default: allow
    /// ```
    public func listingText(counters: [PolicyID: PolicyCounter] = [:]) -> String {
        let rows = listing(counters: counters)
        let width = max(6, rows.map { $0.rule.description.count }.max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var out = pad("ID", 4) + pad("POLICY", width + 2) + pad("PACKETS", 10) + "BYTES\n"
        for r in rows {
            out += pad("\(r.id)", 4) + pad(r.rule.description, width + 2)
                + pad(r.counter.map { "\($0.packets)" } ?? "-", 10) + (r.counter.map { "\($0.bytes)" } ?? "-") + "\n"
        }
        return out + "default: \(defaultAction.rawValue)\n"
    }
}

extension Ruleset {
    /// Reads the per-policy counters out of `nft list table inet routed` (or `nft list chain`)
    /// output, summed per policy: each `chain pN { ... counter packets X bytes Y ... }` and each
    /// rule `... counter packets X bytes Y drop comment "pN"` (a policy folded into a rule).
    public static func policyCounters(fromListing text: String) -> [PolicyID: PolicyCounter] {
        var result: [PolicyID: PolicyCounter] = [:]
        var current: PolicyID?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("chain ") {
                current = PolicyID(chainName: String(line.dropFirst(6).prefix { $0 != " " }))
            } else if let range = line.firstRange(of: "counter packets ") {
                var id = current
                if let c = line.firstRange(of: "comment \"p") {
                    id = PolicyID(chainName: "p" + line[c.upperBound...].prefix(while: { $0.isNumber }))
                }
                let words = line[range.upperBound...].split(separator: " ")
                if let id, words.count >= 3, words[1] == "bytes", let p = UInt64(words[0]), let b = UInt64(words[2]) {
                    var sum = result[id] ?? PolicyCounter(packets: 0, bytes: 0)
                    sum.packets &+= p; sum.bytes &+= b
                    result[id] = sum
                }
            }
        }
        return result
    }
}
