/// Everything the policy model refuses, each carrying what an operator needs to fix it.
/// A call that throws one of these has changed nothing.
public enum PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidNetworkName(String, reason: String)
    /// Two names hash to the same id (FNV-1a); the second cannot be created.
    case networkIDCollision(new: NetworkName, existing: NetworkName, id: NetworkID)
    case networkExists(NetworkName)
    case unknownNetwork(NetworkName)
    /// `world` and `host` always exist and cannot be created or deleted.
    case pseudoNetwork(NetworkName)
    case networkInUse(NetworkName, policies: [PolicyID])
    case malformedPortRange(String, reason: String)
    case unknownProtocol(String)
    case portWithoutProtocol(PortRange, proto: L4Protocol?)
    case sameNetwork(NetworkName)
    case duplicatePolicy(existing: PolicyID, PolicyRule)
    case unknownPolicy(PolicyID)
    case memberOfPseudoNetwork(NetworkName)
    /// More local workload interfaces (or addresses of them) than the anti-spoofing sets hold
    /// (`LayoutMapKind.workloadLimit`, their `size`).
    case tooManyWorkloads(set: String, count: Int, limit: UInt32)

    public var reason: String {
        switch self {
        case .malformedPortRange(_, let reason), .invalidNetworkName(_, let reason): reason
        default: description
        }
    }

    public var description: String {
        switch self {
        case .invalidNetworkName(let name, let reason):
            "invalid network name '\(name)': \(reason)"
        case .networkIDCollision(let new, let existing, let id):
            "network '\(new)' has the same id \(id) as existing network '\(existing)' (FNV-1a collision); choose another name"
        case .networkExists(let name):
            "network '\(name)' already exists"
        case .unknownNetwork(let name):
            "unknown network '\(name)'; create it with `routed network create \(name)` or name `world` or `host`"
        case .pseudoNetwork(let name):
            "'\(name)' is a pseudo-network: it always exists and cannot be created, deleted or given members"
        case .networkInUse(let name, let ids):
            "network '\(name)' is named by policies \(ids.map(\.description).joined(separator: ", ")); delete them first with `routed policy del ID`"
        case .malformedPortRange(let text, let reason):
            "malformed port range '\(text)': \(reason)"
        case .unknownProtocol(let text):
            "unknown protocol '\(text)'; use tcp, udp or icmp"
        case .portWithoutProtocol(let ports, let proto):
            if let proto {
                "--port \(ports) cannot be used with --proto \(proto.rawValue); ports need tcp or udp"
            } else {
                "--port \(ports) needs --proto tcp or --proto udp"
            }
        case .sameNetwork(let name):
            "a policy from '\(name)' to itself has no effect: traffic within a network is always allowed"
        case .duplicatePolicy(let id, let rule):
            "policy '\(rule)' already exists as policy \(id)"
        case .unknownPolicy(let id):
            "no policy with id \(id); see `routed policy list`"
        case .tooManyWorkloads(let set, let count, let limit):
            "this host would have \(count) entries in anti-spoofing set \(set) of table inet routed, which holds at most \(limit) "
                + "(the sets' size, LayoutMapKind.workloadLimit): place the workload on another host, or raise the limit and rebuild routed"
        case .memberOfPseudoNetwork(let name):
            "'\(name)' cannot be given members: `world` is whatever no network holds"
        }
    }
}
