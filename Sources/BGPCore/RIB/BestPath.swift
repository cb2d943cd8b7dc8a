import IPAddressing

/// Why the best path won: the step of the decision process that decided (RFC 4271 section
/// 9.1.2.2, RFC 4456 section 9), as `routed routes` shows it.
public enum BestPathReason: String, Hashable, Sendable, CustomStringConvertible {
    case onlyPath = "only path"
    /// 9.1.2.1 / 9.1.2.2 (a) is preceded by the degree of preference: the higher LOCAL_PREF.
    case localPref = "higher LOCAL_PREF"
    /// 9.1.2.2 a: fewer ASes in AS_PATH.
    case asPathLength = "shorter AS_PATH"
    /// 9.1.2.2 b: lower ORIGIN.
    case origin = "lower ORIGIN"
    /// 9.1.2.2 c: lower MULTI_EXIT_DISC among routes from the same neighbouring AS.
    case med = "lower MED"
    /// 9.1.2.2 d: learned by eBGP rather than iBGP.
    case externalOverInternal = "eBGP over iBGP"
    /// 9.1.2.2 e: lower interior cost to the NEXT_HOP.
    case igpCost = "lower IGP cost to next hop"
    /// 9.1.2.2 f, with RFC 4456 section 9: lower BGP identifier (ORIGINATOR_ID when present).
    case routerID = "lower router ID"
    /// RFC 4456 section 9: shorter CLUSTER_LIST.
    case clusterListLength = "shorter CLUSTER_LIST"
    /// 9.1.2.2 g: lower peer address.
    case peerAddress = "lower peer address"

    public var description: String { rawValue }
}

/// Options of the decision process.
public struct DecisionOptions: Hashable, Sendable {
    /// Compare MED between routes from different neighbouring ASes (`always-compare-med`).
    public var alwaysCompareMED = false
    /// Keep every path equal up to (and including) the IGP cost step as ECMP multipath.
    public var multipath = false
    public init(alwaysCompareMED: Bool = false, multipath: Bool = false) {
        self.alwaysCompareMED = alwaysCompareMED
        self.multipath = multipath
    }
}

/// A candidate as the decision process sees it.
struct Candidate {
    var index: Int
    var key: DecisionKey
    var peer: RIBPeer
    var igpCost: UInt32
}

/// The decision process as elimination rounds (RFC 4271 section 9.1.2.2 is written this way: each
/// step removes the routes that are not the best by that criterion). Returns the winner's index in
/// `candidates`, why it won, and the multipath set (winner first) when asked.
enum DecisionProcess {
    static func select(_ candidates: [Candidate], options: DecisionOptions) -> (winner: Int, reason: BestPathReason, multipath: [Int])? {
        guard !candidates.isEmpty else { return nil }
        if candidates.count == 1 { return (candidates[0].index, .onlyPath, [candidates[0].index]) }
        var set = candidates
        var reason = BestPathReason.peerAddress
        var multipath: [Int] = []

        func keep(_ why: BestPathReason, _ filter: ([Candidate]) -> [Candidate]) -> Bool {
            let next = filter(set)
            if next.count < set.count { reason = why }
            set = next
            return set.count == 1
        }
        func best<T: Comparable>(_ value: @escaping (Candidate) -> T, highest: Bool = false) -> ([Candidate]) -> [Candidate] {
            { s in
                let target = highest ? s.map(value).max()! : s.map(value).min()!
                return s.filter { value($0) == target }
            }
        }

        if keep(.localPref, best({ $0.key.localPref }, highest: true)) { return done() }
        if keep(.asPathLength, best({ $0.key.pathLength })) { return done() }
        if keep(.origin, best({ $0.key.origin })) { return done() }
        if keep(.med, { s in
            // 9.1.2.2 c: within each group of routes from the same neighbouring AS, only the lowest MED stays.
            s.filter { c in
                let rivals = s.filter { options.alwaysCompareMED || $0.key.neighborAS == c.key.neighborAS }
                return c.key.med == rivals.map(\.key.med).min()!
            }
        }) { return done() }
        if keep(.externalOverInternal, { s in s.contains { $0.peer.isExternal } ? s.filter { $0.peer.isExternal } : s }) { return done() }
        if keep(.igpCost, best({ $0.igpCost })) { return done() }
        multipath = set.map(\.index)
        if keep(.routerID, best({ ($0.key.originatorID ?? $0.peer.routerID).value })) { return done() }
        if keep(.clusterListLength, best({ $0.key.clusterListLength })) { return done() }
        _ = keep(.peerAddress, best({ $0.peer.address }))
        return done()

        func done() -> (winner: Int, reason: BestPathReason, multipath: [Int]) {
            let winner = set[0].index
            guard options.multipath, !multipath.isEmpty else { return (winner, reason, [winner]) }
            return (winner, reason, [winner] + multipath.filter { $0 != winner })
        }
    }
}
