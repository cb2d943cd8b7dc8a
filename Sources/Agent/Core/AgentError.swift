public import AgentAPI
import Dataplane
import Datastore
import IPAM
import Policy

/// What the agent refuses or fails at, beyond the errors of the parts it drives.
public enum AgentError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownEndpoint(String)
    case unknownNetwork(String)
    case unknownPolicy(String)
    case alreadyExists(String)
    case invalidArgument(String)
    case conflict(String)

    public var description: String {
        switch self {
        case .unknownEndpoint(let n): "no endpoint named '\(n)' on this host; see `routed endpoint list`"
        case .unknownNetwork(let n): "network '\(n)' does not exist; create it with `routed network create \(n)`"
        case .unknownPolicy(let id): "no policy with id \(id); see `routed policy list`"
        case .alreadyExists(let s), .invalidArgument(let s), .conflict(let s): s
        }
    }
}

extension APIErrorBody {
    /// The body answered for `error`: the error's kind (→ HTTP status), its sentence, and a hint.
    public init(_ error: any Error) {
        switch error {
        case let e as APIErrorBody: self = e
        case let e as AgentError:
            switch e {
            case .unknownEndpoint: self.init(kind: "unknownEndpoint", message: e.description)
            case .unknownNetwork: self.init(kind: "unknownNetwork", message: e.description)
            case .unknownPolicy: self.init(kind: "unknownPolicy", message: e.description)
            case .alreadyExists: self.init(kind: "alreadyExists", message: e.description)
            case .invalidArgument: self.init(kind: "invalidArgument", message: e.description)
            case .conflict: self.init(kind: "conflict", message: e.description)
            }
        case let e as RoutingError:
            switch e {
            case .unknownPeer: self.init(kind: "unknownPeer", message: e.description)
            case .peerExists: self.init(kind: "alreadyExists", message: e.description)
            case .speaker: self.init(kind: "internal", message: e.description)
            }
        case let e as ConfigurationError:
            self.init(kind: "invalidArgument", message: e.description)
        case let e as IPAMError:
            switch e {
            case .unknownNetwork: self.init(kind: "unknownNetwork", message: e.description)
            case .poolExhausted, .noPool: self.init(kind: "exhausted", message: e.description, hint: "add a pool with --pool or release endpoints")
            case .addressInUse, .requestedInForeignBlock, .tooManyConflicts: self.init(kind: "conflict", message: e.description)
            case .corruptBlock: self.init(kind: "datastore", message: e.description)
            default: self.init(kind: "invalidArgument", message: e.description)
            }
        case let e as PolicyError:
            switch e {
            case .unknownNetwork: self.init(kind: "unknownNetwork", message: e.description)
            case .unknownPolicy: self.init(kind: "unknownPolicy", message: e.description)
            case .networkExists, .duplicatePolicy: self.init(kind: "alreadyExists", message: e.description)
            case .networkInUse, .networkIDCollision: self.init(kind: "conflict", message: e.description)
            default: self.init(kind: "invalidArgument", message: e.description)
            }
        case let e as DataplaneError:
            switch e {
            case .invalid: self.init(kind: "invalidArgument", message: e.description)
            case .conflict: self.init(kind: "conflict", message: e.description)
            case .kernel: self.init(kind: "kernel", message: e.description, hint: "see the agent's log")
            }
        case let e as DatastoreError:
            switch e {
            case .networkInUse, .poolInUse: self.init(kind: "conflict", message: e.description)
            case .networkIdsExhausted: self.init(kind: "exhausted", message: e.description)
            default: self.init(kind: "datastore", message: e.description, hint: "check the datastore (--datastore)")
            }
        default:
            self.init(kind: "internal", message: "\(error)")
        }
    }
}
