public import IPAddressing

/// Prefixes that share one attribute set: the unit the RIB works in (one UPDATE's NLRI).
public struct RouteGroup: Hashable, Sendable {
    public var attributes: RouteAttributes
    public var prefixes: [IPPrefix]

    public init(attributes: RouteAttributes, prefixes: [IPPrefix]) {
        self.attributes = attributes
        self.prefixes = prefixes
    }
}

/// The import side of a peer: loop checks (RFC 4271 section 9.1.2, RFC 4456 section 8), then the
/// import policy, over a whole group at once. A rejected prefix is withdrawn from the Loc-RIB, so a
/// route that was accepted before and is rejected now leaves (RFC 4271 section 9.1.1).
public enum ImportFilter {
    public struct Result: Hashable, Sendable {
        /// Accepted groups; the policy may have changed the attributes of some prefixes.
        public var accepted: [RouteGroup] = []
        public var rejected: [IPPrefix] = []
        /// Why the whole group was ignored (a routing loop), for the log.
        public var loop: String?
    }

    /// One policy evaluation per prefix only when the policy has terms; `all` and `none` decide the
    /// group at once, so the common import path allocates nothing per prefix.
    public static func apply(_ group: RouteGroup, policy: RoutePolicy, identity: SpeakerIdentity) -> Result {
        var result = Result()
        if let loop = ImportCheck.loop(in: group.attributes.attributes, identity: identity) {
            result.loop = loop
            result.rejected = group.prefixes
            return result
        }
        if policy.terms.isEmpty {
            if policy.defaultAction == .accept { result.accepted = [group] } else { result.rejected = group.prefixes }
            return result
        }
        var unchanged: [IPPrefix] = []
        var modified: [RouteAttributes: Int] = [:]
        for prefix in group.prefixes {
            guard let out = policy.evaluate(prefix, group.attributes) else { result.rejected.append(prefix); continue }
            if out == group.attributes { unchanged.append(prefix); continue }
            if let i = modified[out] { result.accepted[i].prefixes.append(prefix) } else {
                modified[out] = result.accepted.count
                result.accepted.append(RouteGroup(attributes: out, prefixes: [prefix]))
            }
        }
        if !unchanged.isEmpty { result.accepted.insert(RouteGroup(attributes: group.attributes, prefixes: unchanged), at: 0) }
        return result
    }
}
