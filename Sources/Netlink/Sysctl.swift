import Glibc

/// The per-interface IPv4 sysctls routed sets (`sysctl -w net.ipv4.conf.IF.NAME=V`).
///
/// `/proc/sys/net` shows the network namespace of the *thread that opens the file* (measured on
/// kernel 6.18), so call these from a `NamespaceThread` to change a namespace other than the
/// process's own.
public enum InterfaceSysctl: String, Sendable, CaseIterable {
    /// `net.ipv4.conf.IF.forwarding`
    case forwarding
    /// `net.ipv4.conf.IF.proxy_arp`
    case proxyARP = "proxy_arp"
    /// `net.ipv4.conf.IF.rp_filter` (0 off, 1 strict, 2 loose)
    case reversePathFilter = "rp_filter"

    /// `/proc/sys/net/ipv4/conf/IF/NAME`; `interface` may also be `all` or `default`.
    public func path(interface: String) throws -> String {
        try validateInterfaceName(interface)
        return "/proc/sys/net/ipv4/conf/\(interface)/\(rawValue)"
    }

    /// `sysctl -w net.ipv4.conf.IF.NAME=value` in the calling thread's namespace.
    public func write(_ value: Int, interface: String) throws {
        let path = try path(interface: interface)
        guard (0...2).contains(value) else {
            throw NetlinkError.invalidArgument("\(path): value \(value) outside 0...2")
        }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetlinkError.system(call: "open(\(path))", errno: errno) }
        defer { close(fd) }
        let text = Array("\(value)\n".utf8)
        let n = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == text.count else { throw NetlinkError.system(call: "write(\(path))", errno: n < 0 ? errno : EIO) }
    }

    /// `sysctl net.ipv4.conf.IF.NAME` in the calling thread's namespace.
    public func read(interface: String) throws -> Int {
        let path = try path(interface: interface)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetlinkError.system(call: "open(\(path))", errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { throw NetlinkError.system(call: "read(\(path))", errno: n < 0 ? errno : EIO) }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingSuffix()
        guard let value = Int(text) else { throw NetlinkError.malformed("\(path) holds \"\(text)\"") }
        return value
    }
}

private extension String {
    func trimmingSuffix() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// Namespace-wide forwarding switches (`sysctl -w net.ipv4.ip_forward=1`,
/// `net.ipv6.conf.all.forwarding=1`), for the calling thread's namespace.
public enum ForwardingSysctl: String, Sendable, CaseIterable {
    case ipv4 = "/proc/sys/net/ipv4/ip_forward"
    case ipv6 = "/proc/sys/net/ipv6/conf/all/forwarding"

    public func enable() throws {
        let fd = open(rawValue, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetlinkError.system(call: "open(\(rawValue))", errno: errno) }
        defer { close(fd) }
        let n = Glibc.write(fd, "1\n", 2)
        guard n == 2 else { throw NetlinkError.system(call: "write(\(rawValue))", errno: n < 0 ? errno : EIO) }
    }
}
