public import IPAddressing

/// What a container's network endpoint should look like (`routed endpoint add NAME --netns PATH`).
public struct EndpointSpec: Hashable, Sendable {
    /// Stable endpoint id (container id or name); the host-side interface name derives from it.
    public var id: String
    /// The container's network namespace file (`/run/netns/NAME`, `/proc/PID/ns/net`).
    public var namespacePath: String
    /// The container-side interface name (`eth0` by default).
    public var interfaceName: String
    public var ipv4: IPv4Address?
    public var ipv6: IPv6Address?
    /// Both ends' MTU; nil keeps the dataplane's default (the uplink's MTU: no encapsulation).
    public var mtu: UInt32?

    public init(id: String, namespacePath: String, interfaceName: String = "eth0",
                ipv4: IPv4Address? = nil, ipv6: IPv6Address? = nil, mtu: UInt32? = nil) {
        self.id = id
        self.namespacePath = namespacePath
        self.interfaceName = interfaceName
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.mtu = mtu
    }

    /// The host-side veth name: `rd` + 12 hex digits of FNV-1a-64 of the id (14 bytes ≤ IFNAMSIZ-1),
    /// like Calico's `cali` + 11 hex. The same id always gives the same name.
    public var hostInterfaceName: String { Self.hostInterfaceName(for: id) }

    public static func hostInterfaceName(for id: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        return "rd" + padded.prefix(12)
    }
}

/// The link-local gateway every container routes through: `default via 169.254.1.1 dev eth0 onlink`
/// (IPv6: `default via fe80::1 dev eth0`). The container has a permanent neighbour entry mapping it
/// to the host-side veth's MAC, so no ARP/NDP answer from the host is needed (a host with no
/// default route of its own would not answer proxy ARP for it; see NOTES-linux.md).
public enum EndpointGateway {
    public static let ipv4 = IPv4Address(169, 254, 1, 1)
    public static let ipv6 = IPv6Address("fe80::1")!
}

/// What `ensureEndpoint` made.
public struct EndpointStatus: Hashable, Sendable {
    public var id: String
    public var hostInterface: String
    public var hostInterfaceIndex: UInt32
    public var hostHardwareAddress: [UInt8]
    /// False when everything was already in place (idempotent re-run).
    public var created: Bool
    /// The /32 (and /128) host routes `ensureEndpoint` installed with routed's protocol number.
    /// An agent that runs a `FIBReconciler` must record these in it too: its mark and sweep
    /// deletes every routed route it does not know.
    public var hostRoutes: [FIBRoute]

    public init(id: String, hostInterface: String, hostInterfaceIndex: UInt32, hostHardwareAddress: [UInt8],
                created: Bool, hostRoutes: [FIBRoute] = []) {
        self.id = id
        self.hostInterface = hostInterface
        self.hostInterfaceIndex = hostInterfaceIndex
        self.hostHardwareAddress = hostHardwareAddress
        self.created = created
        self.hostRoutes = hostRoutes
    }
}

/// Why a dataplane operation failed, in terms an operator can act on.
public enum DataplaneError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kernel or the system refused `step` (the netlink error's text, errno).
    case kernel(step: String, reason: String, errno: Int32?)
    /// Input we refuse before touching anything.
    case invalid(String)
    /// Something that is not ours is in the way (an `eth0` that is not our veth, ...).
    case conflict(String)

    public var description: String {
        switch self {
        case .kernel(let step, let reason, _): "\(step): \(reason)"
        case .invalid(let why): "invalid request, nothing changed: \(why)"
        case .conflict(let why): "conflict, nothing changed: \(why)"
        }
    }
}
