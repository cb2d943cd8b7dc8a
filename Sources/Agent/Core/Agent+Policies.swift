public import AgentAPI
import Datastore
import IPAM
import Policy

extension Agent {
    /// `POST /v1/policies`: checked against the book, stored, then every agent sharing the
    /// datastore (this one included) recompiles and applies its ruleset atomically.
    public func addPolicy(_ r: AddPolicyRequest) async throws -> PolicyInfo {
        guard let action = PolicyAction(rawValue: r.action) else {
            throw AgentError.invalidArgument("policy action '\(r.action)' is not allow or deny")
        }
        var b = book
        let rule = try b.rule(action, from: r.from, to: r.to, proto: r.proto, port: r.port, oneWay: r.oneWay, log: r.log)
        _ = try b.add(rule)   // refuses a duplicate
        let stored = try await store.addPolicy(PolicyRecord(
            from: r.from, to: r.to, action: action == .deny ? .deny : .allow, proto: rule.proto?.rawValue,
            portLow: rule.ports?.low, portHigh: rule.ports?.high, oneWay: r.oneWay, log: r.log))
        try await reloadPolicies()
        programPolicy()
        logger.notice("policy added", metadata: ["id": "\(stored.id)", "rule": "\(rule)"])
        return info(PolicyID(rawValue: UInt32(stored.id)), rule)
    }

    public func deletePolicy(_ idText: String) async throws {
        guard let n = UInt32(idText), n > 0 else { throw AgentError.invalidArgument("policy id '\(idText)' is not a number; see `routed policy list`") }
        guard book.policies[PolicyID(rawValue: n)] != nil else { throw AgentError.unknownPolicy(idText) }
        try await store.deletePolicy(id: Int64(n))
        try await reloadPolicies()
        programPolicy()
        logger.notice("policy deleted", metadata: ["id": "\(n)"])
    }

    public func setDefaultPolicy(_ text: String) async throws -> PolicyList {
        guard let action = PolicyAction(rawValue: text) else {
            throw AgentError.invalidArgument("default action '\(text)' is not allow or deny")
        }
        for p in try await store.policies() where p.from == Self.defaultMarker && p.to == Self.defaultMarker {
            try await store.deletePolicy(id: p.id)
        }
        _ = try await store.addPolicy(PolicyRecord(from: Self.defaultMarker, to: Self.defaultMarker, action: action == .deny ? .deny : .allow))
        try await reloadPolicies()
        programPolicy()
        logger.notice("default policy set", metadata: ["action": "\(text)"])
        return listPolicies()
    }

    public func listPolicies() -> PolicyList {
        PolicyList(defaultAction: book.defaultAction.rawValue, policies: book.sortedPolicies.map { info($0.id, $0.rule) })
    }

    func info(_ id: PolicyID, _ rule: PolicyRule) -> PolicyInfo {
        let c = policy.counters()[id]
        return PolicyInfo(id: "\(id)", action: rule.action.rawValue, from: rule.from.rawValue, to: rule.to.rawValue,
                          proto: rule.proto?.rawValue, port: rule.ports?.description, oneWay: rule.oneWay, log: rule.log,
                          packets: c?.packets ?? 0, bytes: c?.bytes ?? 0)
    }
}
