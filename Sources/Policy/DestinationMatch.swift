/// One destination of a source network written as a plain rule of its chain `from-<S>` instead
/// of an element of a map `dst4-<S>` (and of `ports-`/`protos-` maps behind a pair chain), used
/// when the source has at most `LayoutBuilder.inlineLimit` such rules. nft:
/// ```
/// ip daddr 10.0.1.0/24 tcp dport 8080-8089 counter accept comment "p2"
/// ip daddr 10.0.1.0/24 meta l4proto udp counter log prefix "routed p3 deny " drop comment "p3"
/// ip6 daddr fd00:66::/64 accept
/// ```
/// A policy's verdict is folded into the rule (`DestinationVerdict.policy`): the rule carries
/// the policy's counter, its log and its verdict itself, and says whose they are in its comment,
/// so no chain `pN` is needed for it (`PolicyEngine.counters` sums a policy's rules).
/// Why: every named set costs the kernel a walk of the table's set list on each message that
/// names it (`nft_set_lookup_global`), so thousands of one-element maps make a full load
/// quadratic; a handful of rules per source keeps the per-packet cost bounded by that constant.
public struct DestinationMatch: Hashable, Sendable {
    /// `ip6 daddr` rather than `ip daddr`.
    public var v6: Bool
    /// The destination interval (an IPv4 address in the low 32 bits when `!v6`).
    public var first: UInt128, last: UInt128
    /// `meta l4proto P` (without `ports`) or the protocol of `P dport R` (tcp or udp).
    public var proto: IPProtocolNumber?
    /// `tcp|udp dport R`.
    public var ports: PortRange?
    public var verdict: DestinationVerdict

    public init(v6: Bool, first: UInt128, last: UInt128, proto: IPProtocolNumber? = nil, ports: PortRange? = nil, verdict: DestinationVerdict) {
        self.v6 = v6; self.first = first; self.last = last; self.proto = proto; self.ports = ports; self.verdict = verdict
    }

    /// The prefix length when the interval is exactly one prefix.
    public var prefixLength: Int? {
        v6 ? AddressInterval(first: first, last: last, network: .none).prefixLength
           : AddressInterval(first: UInt32(truncatingIfNeeded: first), last: UInt32(truncatingIfNeeded: last), network: .none).prefixLength
    }

    /// Whether nft can say it as one rule the way this type writes it: a `/0` destination would
    /// be optimised away by nft, and `dport` needs tcp or udp.
    var isExpressible: Bool {
        if prefixLength == 0 { return false }
        if ports != nil, proto != .tcp, proto != .udp { return false }
        return true
    }

    /// The rule as nft writes it.
    public var nftText: String {
        var t = v6 ? "ip6 daddr " + LayoutElement.range6(first, last)
                   : "ip daddr " + LayoutElement.range4(UInt32(truncatingIfNeeded: first), UInt32(truncatingIfNeeded: last))
        if let proto {
            if let ports { t += " \(proto.nftName) dport \(ports)" } else { t += " meta l4proto \(proto.nftName)" }
        }
        return t + " \(verdict)" + (comment.map { " comment \"\($0)\"" } ?? "")
    }

    /// The rule's comment: `pN` when it holds policy N's counter (what `PolicyEngine.counters`
    /// reads back), nil otherwise.
    public var comment: String? {
        if case .policy(let p) = verdict { return p.id.chainName }
        return nil
    }
}

/// How a destination rule ends.
public enum DestinationVerdict: Hashable, Sendable, CustomStringConvertible {
    /// `accept` or `goto CHAIN`.
    case target(LayoutTarget)
    /// A policy's own counter, log and verdict in the rule: `counter [log prefix "routed pN
    /// deny "] accept|drop` — what chain `pN` would do, without the `goto`.
    case policy(PolicyVerdict)

    /// nft's words, without the rule comment.
    public var description: String {
        switch self { case .target(let t): "\(t)"; case .policy(let p): p.nftText }
    }
}

/// What policy N does to a packet it decides: count it, log it when asked, accept or drop it.
/// The rule of chain `pN` and the tail of a destination rule into which the policy is folded.
public struct PolicyVerdict: Hashable, Sendable {
    public var id: PolicyID
    public var action: PolicyAction
    public var log: Bool
    public init(id: PolicyID, action: PolicyAction, log: Bool) { self.id = id; self.action = action; self.log = log }

    /// `routed p3 deny `: the prefix of the kernel log line (`nft ... log prefix`).
    public var logPrefix: String? { log ? "routed \(id.chainName) \(action.rawValue) " : nil }

    /// `counter [log prefix "..."] accept|drop`.
    public var nftText: String {
        "counter " + (logPrefix.map { "log prefix \"\($0)\" " } ?? "") + (action == .allow ? "accept" : "drop")
    }
}
