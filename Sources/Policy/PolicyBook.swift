/// The whole policy state of a cluster: networks, policies and the default action.
///
/// A value type: every mutating method either succeeds completely or throws a `PolicyError`
/// and leaves the book exactly as it was. The datastore stores its parts (`Network`, `Policy`,
/// `PolicyAction`), all `Codable`.
public struct PolicyBook: Hashable, Codable, Sendable {
    /// Named networks by name (never `world` or `host`).
    public private(set) var networks: [NetworkName: Network] = [:]
    /// Policies by id.
    public private(set) var policies: [PolicyID: PolicyRule] = [:]
    /// What happens to traffic between two different networks that no policy matches
    /// (`routed policy default allow|deny`). Traffic between pseudo-networks only (world ↔ host,
    /// world ↔ world) is not container traffic and is always allowed unless a policy says otherwise.
    public var defaultAction: PolicyAction = .allow
    /// The id the next policy gets: ids are never reused, so a counter or a log line that
    /// names policy 7 always means the same rule.
    public private(set) var nextPolicyID: UInt32 = 1

    public init() {}

    /// Policies sorted by id, as `routed policy list` shows them.
    public var sortedPolicies: [Policy] {
        policies.keys.sorted().map { Policy(id: $0, rule: policies[$0]!) }
    }

    /// The id of a network or pseudo-network that exists.
    public func id(of name: NetworkName) throws(PolicyError) -> NetworkID {
        if name.isPseudo { return NetworkID(deriving: name) }
        guard let n = networks[name] else { throw .unknownNetwork(name) }
        return n.id
    }

    /// `routed network create NAME`.
    @discardableResult
    public mutating func createNetwork(_ text: String) throws(PolicyError) -> Network {
        if text == "world" || text == "host" { throw .pseudoNetwork(NetworkName(unchecked: text)) }
        let name = try NetworkName(validating: text)
        guard networks[name] == nil else { throw .networkExists(name) }
        let network = Network(name: name)
        if let clash = networks.values.first(where: { $0.id == network.id }) {
            throw .networkIDCollision(new: name, existing: clash.name, id: network.id)
        }
        networks[name] = network
        return network
    }

    /// `routed network del NAME`; refused while a policy names the network.
    public mutating func deleteNetwork(_ name: NetworkName) throws(PolicyError) {
        if name.isPseudo { throw .pseudoNetwork(name) }
        guard networks[name] != nil else { throw .unknownNetwork(name) }
        let users = policies.filter { $0.value.from == name || $0.value.to == name }.keys.sorted()
        guard users.isEmpty else { throw .networkInUse(name, policies: users) }
        networks[name] = nil
    }

    /// Builds a rule from the CLI's words, checking every part:
    /// `routed policy deny|allow FROM TO [--proto P] [--port N[-M]] [--one-way] [--log]`.
    public func rule(_ action: PolicyAction, from: String, to: String, proto: String? = nil,
                     port: String? = nil, oneWay: Bool = false, log: Bool = false) throws(PolicyError) -> PolicyRule {
        let a = try existing(from), b = try existing(to)
        var p: L4Protocol?
        if let proto {
            guard let parsed = L4Protocol(rawValue: proto.lowercased()) else { throw .unknownProtocol(proto) }
            p = parsed
        }
        let ports = try port.map { text throws(PolicyError) in try PortRange(parsing: text) }
        let rule = PolicyRule(action, from: a, to: b, proto: p, ports: ports, oneWay: oneWay, log: log)
        try validate(rule)
        return rule
    }

    /// `routed policy deny|allow ...`: adds `rule` under the next free id.
    @discardableResult
    public mutating func add(_ rule: PolicyRule) throws(PolicyError) -> PolicyID {
        try validate(rule)
        if let (id, _) = policies.first(where: { $0.value.sameMatch(as: rule) }) {
            throw .duplicatePolicy(existing: id, rule)
        }
        let id = PolicyID(rawValue: nextPolicyID)
        nextPolicyID += 1
        policies[id] = rule
        return id
    }

    /// `routed policy del ID`.
    @discardableResult
    public mutating func remove(_ id: PolicyID) throws(PolicyError) -> PolicyRule {
        guard let rule = policies.removeValue(forKey: id) else { throw .unknownPolicy(id) }
        return rule
    }

    /// Puts back a stored policy under its own id (loading from the datastore).
    public mutating func restore(_ policy: Policy) throws(PolicyError) {
        try validate(policy.rule)
        if let (id, _) = policies.first(where: { $0.value.sameMatch(as: policy.rule) && $0.key != policy.id }) {
            throw .duplicatePolicy(existing: id, policy.rule)
        }
        policies[policy.id] = policy.rule
        nextPolicyID = max(nextPolicyID, policy.id.rawValue + 1)
    }

    private func existing(_ text: String) throws(PolicyError) -> NetworkName {
        guard let name = NetworkName(rawValue: text) else {
            _ = try NetworkName(validating: text)   // throws the precise reason
            throw .unknownNetwork(NetworkName(unchecked: text))
        }
        _ = try id(of: name)
        return name
    }

    private func validate(_ rule: PolicyRule) throws(PolicyError) {
        _ = try id(of: rule.from)
        _ = try id(of: rule.to)
        guard rule.from != rule.to else { throw .sameNetwork(rule.from) }
        if let ports = rule.ports, !(rule.proto?.hasPorts ?? false) {
            throw .portWithoutProtocol(ports, proto: rule.proto)
        }
    }
}

extension PolicyRule {
    /// Whether two rules match exactly the same traffic with the same action (the `log` flag
    /// aside): `deny a b` and `deny b a` are the same two-way rule.
    func sameMatch(as other: PolicyRule) -> Bool {
        guard action == other.action, proto == other.proto, ports == other.ports, oneWay == other.oneWay else { return false }
        if from == other.from && to == other.to { return true }
        return !oneWay && from == other.to && to == other.from
    }
}

extension PolicyBook {
    /// What differs between two books: the policies added, removed or changed, and the
    /// networks their change concerns (both ends of those policies, networks created or deleted).
    public func changes(to new: PolicyBook) -> (policies: Set<PolicyID>, networks: Set<NetworkID>) {
        var ids = Set<PolicyID>(), nets = Set<NetworkID>()
        for id in Set(policies.keys).union(new.policies.keys) where policies[id] != new.policies[id] {
            ids.insert(id)
            for rule in [policies[id], new.policies[id]].compactMap({ $0 }) {
                nets.insert(NetworkID(deriving: rule.from)); nets.insert(NetworkID(deriving: rule.to))
            }
        }
        for name in Set(networks.keys).symmetricDifference(new.networks.keys) { nets.insert(NetworkID(deriving: name)) }
        return (ids, nets)
    }
}
