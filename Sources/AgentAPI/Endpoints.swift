/// `POST /v1/endpoints`: `routed endpoint add NAME --netns PATH|--pid N --network NET [--ip ADDR] [--ifname eth0]`.
///
/// Idempotent: the same request for an existing endpoint answers with it; a different one for the
/// same name is a conflict. Future CNI/libnetwork drivers send `containerID` too.
public struct AddEndpointRequest: Codable, Hashable, Sendable {
    public var name: String
    /// The container's network namespace file; the agent resolves `pid` to `/proc/PID/ns/net`.
    public var netns: String?
    public var pid: Int32?
    public var network: String
    /// A specific address (must be free, inside a pool); nil takes the next free one.
    public var ip: String?
    public var interfaceName: String
    public var containerID: String?

    public init(name: String, netns: String? = nil, pid: Int32? = nil, network: String, ip: String? = nil,
                interfaceName: String = "eth0", containerID: String? = nil) {
        self.name = name
        self.netns = netns
        self.pid = pid
        self.network = network
        self.ip = ip
        self.interfaceName = interfaceName
        self.containerID = containerID
    }
}

/// `GET /v1/endpoints`: one container endpoint of this host.
public struct EndpointInfo: Codable, Hashable, Sendable {
    public var name: String
    public var network: String
    public var addresses: [String]
    /// The host-side veth (`rd` + 12 hex digits).
    public var hostInterface: String
    public var interfaceName: String
    public var netns: String
    public var containerID: String?

    public init(name: String, network: String, addresses: [String], hostInterface: String, interfaceName: String,
                netns: String, containerID: String?) {
        self.name = name
        self.network = network
        self.addresses = addresses
        self.hostInterface = hostInterface
        self.interfaceName = interfaceName
        self.netns = netns
        self.containerID = containerID
    }
}
