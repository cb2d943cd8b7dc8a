import Foundation
import Testing
import TestScheduling

/// Every client command, pointed at a socket where no agent is, says so and how to fix it, and
/// exits non-zero; the socket comes from --socket, else ROUTED_SOCKET.
@Suite(.blockingWork) struct NoAgentTests {
    static let commands: [[String]] = [
        ["status"], ["status", "-o", "json"], ["routes"], ["routes", "--prefix", "10.244.0.0/26"],
        ["peer", "list"], ["peer", "add", "192.0.2.1,as=65000,import=default-route,rr-client"], ["peer", "del", "192.0.2.1"],
        ["network", "list"], ["network", "create", "lamp"], ["network", "del", "lamp"],
        ["endpoint", "list"], ["endpoint", "add", "web1", "--netns", "/run/netns/web1", "--network", "lamp"],
        ["endpoint", "add", "web2", "--pid", "4242", "--network", "lamp", "--ip", "10.244.0.9", "--ifname", "net1"],
        ["endpoint", "del", "web1"],
        ["policy", "list"], ["policy", "deny", "lamp", "lnmp"],
        ["policy", "allow", "lamp", "world", "--proto", "tcp", "--port", "80-90", "--one-way", "--log"],
        ["policy", "del", "7"], ["policy", "default", "deny"], ["ipam", "show"],
    ]

    @Test(arguments: commands)
    func withSocketOption(_ args: [String]) throws {
        let path = "/tmp/routed-none-\(UUID().uuidString.prefix(8))/routed.sock"
        let result = try RoutedBinary.run(args + ["--socket", path])
        #expect(result.status == 1)
        #expect(result.err.contains(
            "no routed agent at \(path): start one with `routed start --as ASN`, or point --socket / ROUTED_SOCKET at it"),
            "\(result.err)")
        #expect(result.out.isEmpty)
    }

    @Test func fromTheEnvironment() throws {
        let path = "/tmp/routed-env-\(UUID().uuidString.prefix(8)).sock"
        let result = try RoutedBinary.run(["network", "list"], environment: ["ROUTED_SOCKET": path])
        #expect(result.status == 1)
        #expect(result.err.contains("no routed agent at \(path)"), "\(result.err)")
    }

    /// Needs root to make a root-only socket and `setpriv` (util-linux) to run the CLI as nobody.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func aSocketOnlyRootMayOpenSaysSo() throws {
        let dir = "/tmp/routed-perm-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/routed.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0 && listen(fd, 4) == 0 && chmod(path, 0o600) == 0)
        // The binary must be reachable by nobody: copy it next to the socket.
        let binary = dir + "/routed"
        try FileManager.default.copyItem(atPath: RoutedBinary.path, toPath: binary)
        let result = try RoutedBinary.run(["status", "--socket", path],
                                          launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary])
        #expect(result.status == 1)
        #expect(result.err.contains(
            "permission denied on \(path): the control socket is root-only (mode 0600); run the command as root (sudo)"),
            "\(result.err)")
    }
}
