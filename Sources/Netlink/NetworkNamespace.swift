import Glibc

/// An open handle on a network namespace (`/run/netns/NAME`, `/proc/PID/ns/net`), kept open so
/// the namespace cannot be recycled under us. Pass it to `NamespaceThread` to work inside it, or
/// to `VethPair` / `LinkChange` to put an interface into it (IFLA_NET_NS_FD).
public final class NetworkNamespace: Sendable, CustomStringConvertible {
    public let fileDescriptor: Int32
    public let path: String

    /// Opens the namespace file at `path` (read-only, close-on-exec).
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetlinkError.system(call: "open(\(path))", errno: errno) }
        self.fileDescriptor = fd
        self.path = path
    }

    /// `ip netns exec NAME ...`: the namespace bind-mounted at `/run/netns/NAME`.
    public convenience init(named name: String) throws {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw NetlinkError.invalidArgument("namespace name \"\(name)\" must be a plain file name under /run/netns")
        }
        try self.init(path: "/run/netns/\(name)")
    }

    /// `nsenter --net --target PID`: the namespace of a running process.
    public convenience init(pid: Int32) throws {
        guard pid > 0 else { throw NetlinkError.invalidArgument("pid \(pid) must be positive") }
        try self.init(path: "/proc/\(pid)/ns/net")
    }

    deinit { close(fileDescriptor) }

    public var description: String { path }
}
