public import BGPWire
public import IPAddressing

/// An import or export policy: terms tried in order, the first that matches decides; a route no
/// term matches gets `defaultAction`. Like a route-map of FRR or a BIRD filter.
public struct RoutePolicy: Hashable, Sendable {
    public enum Action: Hashable, Sendable { case accept, reject }

    /// What a term matches; every condition given must hold.
    public struct Match: Hashable, Sendable {
        public var prefixes: PrefixList?
        /// The route's AS_PATH contains this AS.
        public var asPathContains: UInt32?
        /// The route was originated by this AS (the last AS of the path).
        public var originAS: UInt32?
        /// AS_PATH length bounds (as the decision process counts it).
        public var asPathLength: ClosedRange<Int>?
        /// All of these communities are present.
        public var communities: [Community]
        public var largeCommunities: [LargeCommunity]

        public init(prefixes: PrefixList? = nil, asPathContains: UInt32? = nil, originAS: UInt32? = nil,
                    asPathLength: ClosedRange<Int>? = nil, communities: [Community] = [], largeCommunities: [LargeCommunity] = []) {
            self.prefixes = prefixes
            self.asPathContains = asPathContains
            self.originAS = originAS
            self.asPathLength = asPathLength
            self.communities = communities
            self.largeCommunities = largeCommunities
        }

        public static let any = Match()

        func matches(_ prefix: IPPrefix, _ a: PathAttributes) -> Bool {
            if let prefixes, !prefixes.matches(prefix) { return false }
            let path = a.asPath ?? .empty
            if let asn = asPathContains, !path.contains(asn) { return false }
            if let asn = originAS, path.originAS != asn { return false }
            if let range = asPathLength, !range.contains(path.pathLength) { return false }
            if !communities.isEmpty, !Set(communities).isSubset(of: a.communities) { return false }
            if !largeCommunities.isEmpty, !Set(largeCommunities).isSubset(of: a.largeCommunities) { return false }
            return true
        }
    }

    /// What a matching term changes before its action.
    public enum Modification: Hashable, Sendable {
        case setLocalPref(UInt32)
        case setMED(UInt32)
        case addCommunity(Community)
        case removeCommunity(Community)
        case addLargeCommunity(LargeCommunity)
        /// AS_PATH prepend (RFC 4271 section 5.1.2), `count` times.
        case prepend(UInt32, count: Int)

        func apply(to a: inout PathAttributes) {
            switch self {
            case .setLocalPref(let v): a.set(.localPref(v))
            case .setMED(let v): a.set(.multiExitDisc(v))
            case .addCommunity(let c):
                let all = a.communities
                if !all.contains(c) { a.set(.communities(all + [c])) }
            case .removeCommunity(let c):
                let kept = a.communities.filter { $0 != c }
                if kept.isEmpty { a.remove(.communities) } else { a.set(.communities(kept)) }
            case .addLargeCommunity(let c):
                let all = a.largeCommunities
                if !all.contains(c) { a.set(.largeCommunities(all + [c])) }
            case .prepend(let asn, let count):
                a.set(.asPath((a.asPath ?? .empty).prepending(asn, count: count)))
            }
        }
    }

    public struct Term: Hashable, Sendable {
        public var match: Match
        public var modifications: [Modification]
        public var action: Action

        public init(_ match: Match, modifications: [Modification] = [], _ action: Action) {
            self.match = match
            self.modifications = modifications
            self.action = action
        }
    }

    public var name: String
    public var terms: [Term]
    public var defaultAction: Action

    public init(name: String, terms: [Term], defaultAction: Action = .reject) {
        self.name = name
        self.terms = terms
        self.defaultAction = defaultAction
    }

    /// The route after the policy, or nil if it is rejected.
    public func evaluate(_ prefix: IPPrefix, _ route: RouteAttributes) -> RouteAttributes? {
        for term in terms where term.match.matches(prefix, route.attributes) {
            guard term.action == .accept else { return nil }
            var out = route
            for m in term.modifications { m.apply(to: &out.attributes) }
            return out
        }
        return defaultAction == .accept ? route : nil
    }

    // MARK: - Built-ins (the names `--peer ...,import=NAME` accepts)

    public static let all = RoutePolicy(name: "all", terms: [], defaultAction: .accept)
    public static let none = RoutePolicy(name: "none", terms: [], defaultAction: .reject)
    /// Only 0.0.0.0/0 and ::/0: what a host takes from a gateway.
    public static let defaultRoute = RoutePolicy(name: "default-route", terms: [
        Term(Match(prefixes: PrefixList([.init(IPPrefix("0.0.0.0/0")!), .init(IPPrefix("::/0")!)])), .accept),
    ])
    /// Prefixes inside `pools`, of lengths `ge...le` (per family); the mesh's "pool blocks only".
    public static func within(_ name: String, pools: [IPPrefix], ge: UInt8? = nil, le: UInt8? = nil) -> RoutePolicy {
        RoutePolicy(name: name, terms: [Term(Match(prefixes: PrefixList(pools.map {
            PrefixList.Entry($0, ge: ge ?? $0.length, le: le ?? ($0.isV4 ? 32 : 128))
        })), .accept)])
    }

    /// RFC 8212: with no policy configured, an eBGP session accepts and advertises nothing; an
    /// iBGP session takes everything.
    public static func effective(_ configured: RoutePolicy?, external: Bool) -> RoutePolicy {
        configured ?? (external ? .none : .all)
    }
}
