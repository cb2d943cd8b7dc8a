public import IPAddressing

/// A route routed wants in the kernel's main table, named by interface *names* (stable across
/// restarts) rather than indexes. All carry routed's route protocol number (201) in the kernel.
public struct FIBRoute: Hashable, Sendable, CustomStringConvertible {
    public enum Target: Hashable, Sendable {
        /// `ip route replace P dev X scope link proto 201` (a /32 to an endpoint's host-side veth)
        case interface(String)
        /// `ip route replace P via G [dev X] [onlink] proto 201` (a block behind another host)
        case gateway(IPAddress, interface: String?, onlink: Bool)
        /// `ip route replace P nexthop via G1 dev X1 nexthop via G2 dev X2 proto 201` (ECMP)
        case multipath([Hop])
        /// `ip route replace blackhole P proto 201` (this host's own blocks)
        case blackhole
    }

    /// One next hop of an ECMP route.
    public struct Hop: Hashable, Sendable {
        public var gateway: IPAddress
        public var interface: String
        public var weight: UInt16
        public var onlink: Bool
        public init(gateway: IPAddress, interface: String, weight: UInt16 = 1, onlink: Bool = false) {
            self.gateway = gateway
            self.interface = interface
            self.weight = weight
            self.onlink = onlink
        }
    }

    public var prefix: IPPrefix
    public var target: Target

    public init(prefix: IPPrefix, target: Target) {
        self.prefix = prefix
        self.target = target
    }

    public var description: String {
        switch target {
        case .interface(let name): "\(prefix) dev \(name)"
        case .gateway(let g, let dev, let onlink): "\(prefix) via \(g)\(dev.map { " dev \($0)" } ?? "")\(onlink ? " onlink" : "")"
        case .multipath(let hops): "\(prefix)" + hops.map { " nexthop via \($0.gateway) dev \($0.interface) weight \($0.weight)" }.joined()
        case .blackhole: "blackhole \(prefix)"
        }
    }
}

/// One change to the kernel FIB: `replace` both adds and changes (NLM_F_CREATE | NLM_F_REPLACE).
public enum FIBOperation: Hashable, Sendable, CustomStringConvertible {
    /// `ip route replace ... proto 201`
    case replace(FIBRoute)
    /// `ip route del P proto 201` (never matches another protocol's route)
    case delete(IPPrefix)

    public var prefix: IPPrefix {
        switch self { case .replace(let r): r.prefix; case .delete(let p): p }
    }

    public var description: String {
        switch self { case .replace(let r): "replace \(r)"; case .delete(let p): "delete \(p)" }
    }
}

/// An operation the kernel (or validation) refused, with the reason an operator reads.
public struct FIBFailure: Hashable, Sendable, CustomStringConvertible {
    public var operation: FIBOperation
    public var reason: String
    /// The errno when the kernel refused it; nil when it was refused before sending.
    public var errno: Int32?

    public init(operation: FIBOperation, reason: String, errno: Int32? = nil) {
        self.operation = operation
        self.reason = reason
        self.errno = errno
    }

    public var description: String { "\(operation): \(reason)" }
}
