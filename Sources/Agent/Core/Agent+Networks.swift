public import AgentAPI
import Datastore
import IPAddressing
import IPAM
import Policy

extension Agent {
    public func createNetwork(_ name: String) async throws -> NetworkInfo {
        var b = book
        try b.createNetwork(name)   // validates the name, refuses world/host and id collisions
        if try await store.network(named: name) != nil { throw AgentError.alreadyExists("network '\(name)' already exists") }
        _ = try await store.createNetwork(name)
        try await reloadPolicies()
        programPolicy()
        logger.notice("network created", metadata: ["network": "\(name)"])
        return try await networkInfo(name)
    }

    public func deleteNetwork(_ name: String) async throws {
        guard try await store.network(named: name) != nil else { throw AgentError.unknownNetwork(name) }
        if let n = NetworkName(rawValue: name) {
            var b = book
            try b.deleteNetwork(n)   // refused while a policy names it
        }
        try await store.deleteNetwork(name)
        try await reloadPolicies()
        programPolicy()
        logger.notice("network deleted", metadata: ["network": "\(name)"])
    }

    public func listNetworks() async throws -> [NetworkInfo] {
        var out: [NetworkInfo] = []
        for n in try await store.networks().sorted(by: { $0.name < $1.name }) { out.append(try await networkInfo(n.name)) }
        return out
    }

    func networkInfo(_ name: String) async throws -> NetworkInfo {
        let id = NetworkName(rawValue: name).map { NetworkID(deriving: $0) } ?? .none
        let count = try await store.endpoints().filter { $0.network == name }.count
        var prefixes = Set(ownBlocks.filter { $0.value == name }.map(\.key))
        for (p, l) in learned where l.network == id { prefixes.insert(p) }
        return NetworkInfo(name: name, id: id.rawValue, endpoints: count, prefixes: prefixes.sorted().map(\.description))
    }
}
