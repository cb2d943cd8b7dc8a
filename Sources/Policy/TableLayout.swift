public import IPAddressing

/// Where a verdict-map element sends a packet: `accept`, `goto CHAIN`, or `jump CHAIN`.
public enum LayoutTarget: Hashable, Comparable, Sendable, CustomStringConvertible {
    case accept
    case chain(String)
    /// `jump`: used only from `src4`/`src6` to `from-<S>`, so a packet that no rule of
    /// `from-<S>` decides returns to `forward`, whose last rule is `goto unmatched` — one
    /// tail rule less per source network.
    case jump(String)
    /// nft's words: `accept`, `goto p7`, `jump from-6bf0ef3b`.
    public var description: String {
        switch self { case .accept: "accept"; case .chain(let c): "goto \(c)"; case .jump(let c): "jump \(c)" }
    }
}

/// One element of one set or map of table `inet routed`: the unit of an incremental update.
public enum LayoutElement: Hashable, Sendable {
    /// `ipv4_addr : verdict` interval map: an address range and where it goes.
    case address4(first: UInt32, last: UInt32, LayoutTarget)
    /// `ipv6_addr : verdict` interval map.
    case address6(first: UInt128, last: UInt128, LayoutTarget)
    /// `inet_proto . inet_service : verdict` interval map: a protocol and a destination port range.
    case port(IPProtocolNumber, PortRange, LayoutTarget)
    /// `inet_proto : verdict` map.
    case proto(IPProtocolNumber, LayoutTarget)
    /// Set `workloads`: an interface whose source addresses are checked.
    case workload(String)
    /// Set `spoof4`: interface . its endpoint's IPv4 address.
    case spoof4(String, IPv4Address)
    /// Set `spoof6`: interface . its endpoint's IPv6 address.
    case spoof6(String, IPv6Address)

    /// The order nft lists a map in (ascending keys), and the order interval elements are sent in.
    public static func ordered(_ s: some Collection<LayoutElement>) -> [LayoutElement] {
        // Keys computed once per element, not per comparison (`src4` has thousands).
        s.map { ($0.sortKey, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    var sortKey: SortKey {
        switch self {
        case .address4(let f, _, _): SortKey(rank: 0, number: UInt128(f), text: "")
        case .address6(let f, _, _): SortKey(rank: 1, number: f, text: "")
        case .port(let p, let r, _): SortKey(rank: 2, number: UInt128(p.rawValue) << 16 | UInt128(r.low), text: "")
        case .proto(let p, _): SortKey(rank: 3, number: UInt128(p.rawValue), text: "")
        case .workload(let n): SortKey(rank: 4, number: 0, text: n)
        case .spoof4(let n, let a): SortKey(rank: 5, number: UInt128(a.value), text: n)
        case .spoof6(let n, let a): SortKey(rank: 6, number: UInt128(a.high) << 64 | UInt128(a.low), text: n)
        }
    }

    struct SortKey: Comparable {
        var rank: Int, number: UInt128, text: String
        static func < (l: Self, r: Self) -> Bool { (l.rank, l.text, l.number) < (r.rank, r.text, r.number) }
    }
}

/// The kinds of set and map table `inet routed` holds (nft `type ...`).
public enum LayoutMapKind: Hashable, Sendable {
    /// `type ipv4_addr : verdict; flags interval`.
    case address4
    /// `type ipv6_addr : verdict; flags interval`.
    case address6
    /// `type inet_proto . inet_service : verdict; flags interval`.
    case ports
    /// `type inet_proto : verdict`.
    case protos
    /// `type ifname` (set).
    case workloads
    /// `type ifname . ipv4_addr` (set).
    case spoof4
    /// `type ifname . ipv6_addr` (set).
    case spoof6

    /// `size N` of the anti-spoofing sets: at most this many local workload interfaces (and
    /// IPv4, IPv6 addresses of them) on one host. The kernel sizes their hash tables from it
    /// when the table loads (10,000 endpoints in one batch otherwise spend ~20 ms in
    /// `rhashtable_insert_slow` while the table grows), and zeroes the bucket arrays of all
    /// three sets on every full load: 16,384 (256 KB each) rather than 65,536 (1 MB each).
    /// The kernel refuses more elements with ENFILE; the engine refuses them first with
    /// `PolicyError.tooManyWorkloads`, which names this limit.
    public static let workloadLimit: UInt32 = 16384
    /// `size N` of the set, when it has one.
    public var size: UInt32? { switch self { case .workloads, .spoof4, .spoof6: Self.workloadLimit; default: nil } }

    /// Whether it is a verdict map (`map`) rather than a set.
    public var isMap: Bool { switch self { case .workloads, .spoof4, .spoof6: false; default: true } }
}

/// A named set or map and its elements.
public struct LayoutMap: Hashable, Sendable {
    public var kind: LayoutMapKind
    public var elements: Set<LayoutElement>
    public init(kind: LayoutMapKind, elements: Set<LayoutElement> = []) { self.kind = kind; self.elements = elements }
}

/// The netfilter hook of a base chain (type filter, priority filter, policy accept).
public enum LayoutHook: String, Hashable, Sendable, CaseIterable {
    case prerouting, forward, input, output
}

/// One rule of table `inet routed`, in nft's words (see `nftText`); the libnftnl form
/// (`PolicyKernel`) emits exactly the expressions nft 1.0.6 generates for the same text, so
/// `nft list` prints it back.
public enum LayoutRule: Hashable, Sendable {
    /// `ct state established,related accept`: replies of allowed connections.
    case acceptEstablished
    /// `iif "lo" accept` (input) or `oif "lo" accept` (output).
    case acceptLoopback(input: Bool)
    /// `meta nfproto ipv4 iifname @workloads iifname . ip saddr != @spoof4 counter drop` (or the IPv6 form).
    case antiSpoof(v6: Bool)
    /// `ip saddr vmap @MAP` / `ip6 saddr vmap @MAP`.
    case sourceVmap(v6: Bool, map: String)
    /// `ip daddr vmap @MAP` / `ip6 daddr vmap @MAP`.
    case destinationVmap(v6: Bool, map: String)
    /// `meta l4proto . th dport vmap @MAP`.
    case portVmap(map: String)
    /// `meta l4proto vmap @MAP`.
    case protoVmap(map: String)
    /// `ip daddr 10.0.1.0/24 [tcp dport 80 | meta l4proto udp] goto p2`: a destination of a
    /// small source written out as a rule (see `DestinationMatch`).
    case destination(DestinationMatch)
    /// `goto CHAIN` or `accept`.
    case target(LayoutTarget)
    /// `counter [log prefix "..."] accept|drop`: a policy's chain, or chain `unmatched`.
    case count(PolicyAction, logPrefix: String?)
}

extension LayoutRule {
    /// The rule's comment (`comment "p3"`: a destination rule holding policy 3's counter).
    public var comment: String? {
        if case .destination(let m) = self { return m.comment }
        return nil
    }
}

/// A chain: a base chain on a hook, or a regular chain reached by `goto`.
public struct LayoutChain: Hashable, Sendable {
    public var hook: LayoutHook?
    public var comment: String?
    public var rules: [LayoutRule]
    public init(hook: LayoutHook? = nil, comment: String? = nil, rules: [LayoutRule]) {
        self.hook = hook; self.comment = comment; self.rules = rules
    }
}

/// Everything table `inet routed` holds, by name: what the nft text renders, what the libnftnl
/// batch creates, and what `RulesetDiff` compares.
///
/// The shape (decided in ARCHITECTURE.md, "Policy and the kernel"): no marks and no register
/// concatenation. The source address picks a chain per source network, the destination address
/// a verdict in that chain — as a handful of rules for a small source, as a map otherwise:
/// ```
/// forward:           ct state established,related accept   (with a policy or default deny)
///                    ip saddr vmap @src4                 → jump from-<S>      (interval map, total)
///                    goto unmatched                      (where a from-<S> that decides nothing returns)
/// from-<S> (small):  ip daddr D [tcp dport P | meta l4proto X] counter [log] accept|drop comment "pN"
///                    ip daddr D accept                   (≤ inlineLimit rules; policy N folded in)
/// from-<S> (large):  ip daddr vmap @dst4-<S>             → accept | goto pN | goto pair-<S>-<D>
/// pair-<S>-<D>:      meta l4proto . th dport vmap @ports-<S>-<D>
///                    meta l4proto vmap @protos-<S>-<D>
///                    goto pN | accept | goto unmatched
/// pN:                counter [log] accept|drop          (only while a map or pair chain reaches it)
/// unmatched:         counter accept|drop                 (the default action)
/// input:             ip saddr vmap @to-host4             (sources' verdicts towards `host`)
/// output:            ip daddr vmap @dst4-00000002        (the map of source `host`)
/// ```
/// Per packet: one interval lookup for the source, then at most `inlineLimit` rules or one
/// interval lookup and two hash lookups, whatever the number of endpoints, networks and
/// policies. Names carry the network id in hex (`from-6bf0ef3b`); comments the network names.
public struct TableLayout: Hashable, Sendable {
    public var maps: [String: LayoutMap] = [:]
    public var chains: [String: LayoutChain] = [:]
    public init() {}

    /// `6bf0ef3b`: a network id as it appears in object names.
    public static func hex(_ id: NetworkID) -> String {
        let h = String(id.rawValue, radix: 16)
        return String(repeating: "0", count: 8 - h.count) + h
    }
    public static func fromChain(_ s: NetworkID) -> String { "from-\(hex(s))" }
    public static func pairChain(_ s: NetworkID, _ d: NetworkID) -> String { "pair-\(hex(s))-\(hex(d))" }
    public static func destinationMap(_ s: NetworkID, v6: Bool) -> String { "dst\(v6 ? 6 : 4)-\(hex(s))" }
    public static func portsMap(_ s: NetworkID, _ d: NetworkID) -> String { "ports-\(hex(s))-\(hex(d))" }
    public static func protosMap(_ s: NetworkID, _ d: NetworkID) -> String { "protos-\(hex(s))-\(hex(d))" }
    public static func sourceMap(v6: Bool) -> String { v6 ? "src6" : "src4" }
    public static func toHostMap(v6: Bool) -> String { v6 ? "to-host6" : "to-host4" }
    public static let unmatched = "unmatched"
}
