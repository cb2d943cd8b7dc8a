#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One `connect(2)` to a Unix socket path before the HTTP request, so that "nobody there",
/// "not allowed" and "not a socket" are told apart by errno instead of by an HTTP client's retries.
///
/// The equivalent by hand: `socat - UNIX-CONNECT:/run/routed/routed.sock`.
enum SocketProbe {
    /// nil when a connection was accepted; otherwise the error to report.
    static func check(_ path: String) -> AgentClientError? {
        var st = stat()
        if stat(path, &st) != 0 {
            return errno == EACCES ? .permissionDenied(socket: path) : .noAgent(socket: path)
        }
        if st.st_mode & 0o170000 != 0o140000 { return .notASocket(socket: path) }  // S_IFMT, S_IFSOCK

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            return .transport(socket: path, detail: "the path is longer than \(capacity - 1) bytes, the limit of a Unix socket address")
        }
        #if canImport(Glibc) || canImport(Musl)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return .transport(socket: path, detail: "socket(AF_UNIX): " + String(cString: strerror(errno))) }
        defer { close(fd) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            raw.copyBytes(from: path.utf8)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result == 0 { return nil }
        switch errno {
        case ENOENT, ECONNREFUSED: return .noAgent(socket: path)
        case EACCES, EPERM: return .permissionDenied(socket: path)
        case ENOTSOCK, EPROTOTYPE: return .notASocket(socket: path)
        default: return .transport(socket: path, detail: "connect: " + String(cString: strerror(errno)))
        }
    }
}
