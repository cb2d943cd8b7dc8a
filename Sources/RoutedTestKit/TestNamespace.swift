import Foundation
import Glibc
public import Netlink

/// True when the tests may create namespaces (root). Integration suites are disabled otherwise,
/// with a message saying why.
public let isRoot = getuid() == 0
public let needsRoot = "integration tests create network namespaces and veths: run as root"

/// A network namespace made for one test (`ip netns add rd<pid>x<tag>`), with a thread inside it.
/// `delete()` removes it; call it in a `defer` right after creation.
public final class TestNamespace: @unchecked Sendable {
    public let name: String
    public let handle: NetworkNamespace
    public let thread: NamespaceThread

    public init(_ tag: String) throws {
        name = "rd\(getpid())x\(tag)"
        try runCommand("/usr/sbin/ip", "netns", "add", name)
        do {
            handle = try NetworkNamespace(named: name)
            thread = try NamespaceThread(namespace: handle)
        } catch {
            _ = try? runCommand("/usr/sbin/ip", "netns", "del", name)
            throw error
        }
    }

    /// rtnetlink inside this namespace.
    public func netlink<T>(_ body: (NetlinkSocket) throws -> T) throws -> T { try thread.netlink(body) }

    /// `ip -n NAME ARGS...`
    @discardableResult
    public func ip(_ arguments: String...) throws -> String {
        try runCommand("/usr/sbin/ip", ["-n", name] + arguments)
    }

    public func delete() {
        thread.stop()
        _ = try? runCommand("/usr/sbin/ip", "netns", "del", name)
    }
}

public struct CommandFailed: Error, CustomStringConvertible {
    public var command: [String]
    public var status: Int32
    public var output: String
    public var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
}

@discardableResult
public func runCommand(_ path: String, _ arguments: String...) throws -> String {
    try runCommand(path, arguments)
}

/// Runs a command, bounded by coreutils `timeout -s KILL` (killed after `timeout` seconds), and
/// returns stdout+stderr; throws `CommandFailed` on a non-zero exit. SIGKILL because children of
/// a Swift test process inherit a signal mask with SIGTERM blocked, so a plain `timeout` never ends them.
@discardableResult
public func runCommand(_ path: String, _ arguments: [String], timeout: Int = 20) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["-s", "KILL", "\(timeout)", path] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw CommandFailed(command: [path] + arguments, status: process.terminationStatus, output: output)
    }
    return output
}
