import Netlink
import Synchronization

/// `Dataplane` on Linux through rtnetlink: all host-side work runs on one thread inside the host
/// namespace (the agent's own, or a test's), container-side work on a short-lived thread inside
/// the container's namespace. (`@unchecked Sendable`: every stored property is Sendable except
/// `monitor`, which is only touched under `watchLock`.)
public final class LinuxDataplane: Dataplane, @unchecked Sendable {
    let host: NamespaceThread
    /// MTU for endpoints that do not say (the uplink's, no encapsulation overhead); nil = kernel default.
    public let defaultMTU: UInt32?
    /// Serialises endpoint operations: each is several kernel steps, and two callers (CNI ADD
    /// racing a retry) must not interleave them.
    let endpointLock = Mutex(())
    /// Subscribed to link and route notifications from the start, so nothing between the
    /// initial resync and the first `kernelChanges` call is missed. Read under `watchLock`.
    let monitor: NetlinkSocket
    let watchLock = Mutex<[UInt32: String]>([:])

    /// - Parameters:
    ///   - hostNamespacePath: the namespace whose routes routed manages (`/proc/self/ns/net` for the
    ///     agent's own; a test passes `/run/netns/NAME`).
    ///   - uplink: the interface whose MTU endpoints copy, unless `mtu` is given.
    public init(hostNamespacePath: String = "/proc/self/ns/net", uplink: String? = nil, mtu: UInt32? = nil) throws {
        let thread = try Self.step("enter host namespace \(hostNamespacePath)") {
            try NamespaceThread(namespace: NetworkNamespace(path: hostNamespacePath))
        }
        host = thread
        monitor = try Self.step("subscribe to route and link changes") {
            try thread.run { try NetlinkSocket(groups: [.link, .ipv4Route, .ipv6Route]) }
        }
        if let mtu {
            defaultMTU = mtu
        } else if let uplink {
            let link = try Self.step("read uplink \(uplink)") { try thread.netlink { try $0.link(named: uplink) } }
            guard let link else { throw DataplaneError.invalid("uplink \(uplink) does not exist in \(hostNamespacePath)") }
            defaultMTU = link.mtu
        } else {
            defaultMTU = nil
        }
    }

    /// Host setup: `sysctl -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1` in the host namespace.
    /// (The host's own blocks are installed as blackholes through the FIB reconciler: `FIBRoute.Target.blackhole`.)
    public func enableForwarding() throws {
        try Self.step("enable forwarding") {
            try host.run { for sysctl in ForwardingSysctl.allCases { try sysctl.enable() } }
        }
    }

    /// Runs `body`, turning a NetlinkError into a DataplaneError that names the step.
    static func step<T>(_ step: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as NetlinkError {
            if case .invalidArgument(let why) = error { throw DataplaneError.invalid("\(step): \(why)") }
            throw DataplaneError.kernel(step: step, reason: error.description, errno: error.errno)
        }
    }
}
