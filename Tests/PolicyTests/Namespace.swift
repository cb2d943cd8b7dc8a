import Foundation
import Testing

/// Runs a program and returns its exit status and output (bounded by `timeout` seconds).
@discardableResult
func run(_ args: [String], input: String? = nil, timeout: Double = 20) -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out; p.standardError = err; p.standardInput = inp
    do { try p.run() } catch { return (127, "", "\(error)") }
    if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
    try? inp.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeout)
    // Read in the background so a chatty child never blocks on a full pipe.
    nonisolated(unsafe) var o = Data(), e = Data()
    let g = DispatchGroup()
    DispatchQueue.global().async(group: g) { o = out.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: g) { e = err.fileHandleForReading.readDataToEndOfFile() }
    while p.isRunning && Date() < deadline { usleep(10_000) }
    // SIGKILL: a child spawned by Foundation inherits a signal mask that blocks SIGTERM.
    if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
    g.wait()
    try? out.fileHandleForReading.close(); try? err.fileHandleForReading.close()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// True when the tests can create network namespaces and load nftables rules (root with `ip` and `nft`).
let canUseNamespaces: Bool = getuid() == 0
    && FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft")
    && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")

/// A network namespace created for one test, named `rd<pid>p<random>` so parallel runs never
/// meet; `delete()` removes it (and every veth end inside it). Never touches the root namespace.
final class TestNamespace: Sendable {
    let name: String

    init(_ tag: String = "p") throws {
        name = "rd\(getpid())\(tag)\(UInt32.random(in: 0..<1_000_000))"
        let r = run(["ip", "netns", "add", name])
        guard r.status == 0 else { throw NamespaceError(what: "ip netns add \(name)", output: r.err) }
        _ = exec(["ip", "link", "set", "lo", "up"])
    }

    /// `ip netns exec NAME args...`.
    @discardableResult
    func exec(_ args: [String], input: String? = nil, timeout: Double = 20) -> (status: Int32, out: String, err: String) {
        run(["ip", "netns", "exec", name] + args, input: input, timeout: timeout)
    }

    /// `nft -f -` inside the namespace (`check`: `nft -c -f -`); throws with nft's message.
    func nft(_ text: String, check: Bool = false) throws {
        let r = exec(["nft"] + (check ? ["-c"] : []) + ["-f", "-"], input: text)
        guard r.status == 0 else { throw NamespaceError(what: "nft -f in \(name)", output: r.err) }
    }

    /// Runs a command that must succeed.
    func must(_ args: [String]) throws {
        let r = exec(args)
        guard r.status == 0 else { throw NamespaceError(what: args.joined(separator: " "), output: r.err) }
    }

    func delete() { run(["ip", "netns", "del", name]) }
}

struct NamespaceError: Error, CustomStringConvertible {
    var what: String, output: String
    var description: String { "\(what) failed: \(output)" }
}
