import Foundation
public import Lab
#if canImport(Glibc)
import Glibc
#endif

/// A set of network namespaces, veth links, daemons and a temporary directory that belong to one
/// test, all named with a per-run prefix (`rl<pid%100000>x<counter>`), so concurrent test runs and
/// concurrent tests never collide. Nothing here touches the machine's own namespace: links are
/// created directly inside the lab's namespaces (`ip -n A link add ... netns B`) and every command
/// runs through `ip netns exec`.
///
/// `cleanup()` stops every process the lab started (by pid), deletes every namespace and the
/// directory; it is idempotent and also runs from `deinit`.
public final class NamespaceLab {
    /// Prefix of every namespace of this lab, e.g. `rl12345x3`.
    public let prefix: String
    /// A directory for configs, sockets and logs; mode 0711 so daemons that drop privileges
    /// (FRR runs as user frr) can reach their own subdirectory.
    public let directory: String
    public private(set) var namespaces: [String] = []
    public private(set) var children: [ChildProcess] = []
    private var cleanedUp = false

    /// Root, and `ip netns` works. Tests use `.enabled(if: NamespaceLab.isAvailable)`.
    public static let isAvailable: Bool = unavailableReason == nil

    /// Why the lab cannot run here, or nil.
    public static let unavailableReason: String? = {
        guard getuid() == 0 else { return "needs root (network namespaces); run `sudo swift test`" }
        guard Command.which("ip") != nil else { return "iproute2 `ip` is not installed" }
        do {
            _ = try Command.run(["ip", "netns", "list"], timeout: .seconds(5))
        } catch {
            return "`ip netns list` does not work: \(error)"
        }
        return nil
    }()

    /// The programs from `names` that are not installed (e.g. `["bird", "birdc"]`).
    public static func missingPrograms(_ names: [String]) -> [String] {
        names.filter { Command.which($0) == nil }
    }

    /// - Parameter name: a label for the directory name (readability only; not part of netns names).
    public init(name: String) throws {
        if let reason = Self.unavailableReason { throw LabError.unavailable(reason: reason) }
        _ = Self.staleLabsRemoved
        prefix = "rl\(getpid() % 100_000)x\(LabCounter.next())"
        let safeName = String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(32))
        directory = NSTemporaryDirectory() + "interoplab-\(prefix)-\(safeName)"
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
        } catch {
            throw LabError.launchFailed(command: ["mkdir", directory], reason: "\(error)")
        }
        appendToManifest("owner \(getpid()) \(Self.processStartTime(getpid()) ?? "?")")
    }

    /// `removeStaleLabs()`, once per process.
    private static let staleLabsRemoved: [String] = removeStaleLabs()

    deinit { cleanup() }

    // MARK: namespaces and links

    /// Creates namespace `<prefix>-<short>` with `lo` up and returns its full name.
    /// `ip netns add NAME && ip -n NAME link set lo up`
    @discardableResult
    public func addNamespace(_ short: String) throws -> String {
        guard !short.isEmpty, short.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw LabError.invalidName(short, reason: "use letters, digits and '-' only")
        }
        let name = "\(prefix)-\(short)"
        guard !namespaces.contains(name) else {
            throw LabError.invalidName(short, reason: "namespace \(name) already exists in this lab")
        }
        appendToManifest("netns \(name)")  // first, so a crash right after still finds it
        try Command.run(["ip", "netns", "add", name])
        namespaces.append(name)
        try Command.run(["ip", "-n", name, "link", "set", "lo", "up"])
        return name
    }

    /// A veth pair from `a`/`aIf` to `b`/`bIf`, created directly in the namespaces, addressed and up.
    /// IPv6 addresses get `nodad`, so they are usable at once.
    ///
    /// `ip -n A link add AIF type veth peer name BIF netns B; ip -n A addr add ADDR dev AIF [nodad]; ...`
    public func link(
        _ a: String, _ aIf: String, _ b: String, _ bIf: String,
        addresses: (a: [String], b: [String]) = ([], [])
    ) throws {
        try checkNamespace(a)
        try checkNamespace(b)
        try Self.checkInterfaceName(aIf)
        try Self.checkInterfaceName(bIf)
        try Command.run(["ip", "-n", a, "link", "add", aIf, "type", "veth", "peer", "name", bIf, "netns", b])
        for (ns, ifname, addrs) in [(a, aIf, addresses.a), (b, bIf, addresses.b)] {
            for address in addrs {
                var argv = ["ip", "-n", ns, "addr", "add", address, "dev", ifname]
                if address.contains(":") { argv.append("nodad") }
                try Command.run(argv)
            }
            try Command.run(["ip", "-n", ns, "link", "set", ifname, "up"])
        }
    }

    /// Sets one end of a link down, so the peer stops hearing anything (hold-timer tests).
    /// `ip -n NS link set IF down`
    public func cutLink(_ ns: String, _ ifname: String) throws {
        try checkNamespace(ns)
        try Self.checkInterfaceName(ifname)
        try Command.run(["ip", "-n", ns, "link", "set", ifname, "down"])
    }

    /// Sets a link end up again. `ip -n NS link set IF up`
    public func restoreLink(_ ns: String, _ ifname: String) throws {
        try checkNamespace(ns)
        try Self.checkInterfaceName(ifname)
        try Command.run(["ip", "-n", ns, "link", "set", ifname, "up"])
    }

    // MARK: commands and processes

    /// Runs `args` inside `ns` (`ip netns exec NS ARGS...`) and returns stdout+stderr; a non-zero
    /// exit throws `LabError.commandFailed`, running past `timeout` throws `commandTimedOut`.
    /// For a daemon use `spawn`: Foundation notices a command's end only when every process that
    /// inherited it has exited, so `run(ns, ["sh", "-c", "daemon &"])` lasts until its timeout.
    @discardableResult
    public func run(_ ns: String, _ args: [String], timeout: Duration = .seconds(60)) throws -> String {
        try checkNamespace(ns)
        return try Command.run(["ip", "netns", "exec", ns] + args, timeout: timeout)
    }

    /// Like `run`, but returns the exit status instead of throwing on a non-zero one.
    public func execute(_ ns: String, _ args: [String], timeout: Duration = .seconds(60)) throws -> CommandResult {
        try checkNamespace(ns)
        return try Command.execute(["ip", "netns", "exec", ns] + args, timeout: timeout)
    }

    /// Starts `args` in the background inside `ns`, output appended to `logFile`. The lab stops it
    /// (by pid) in `cleanup()`.
    public func spawn(_ ns: String, _ args: [String], logFile: String) throws -> ChildProcess {
        try checkNamespace(ns)
        let child = try ChildProcess(command: ["ip", "netns", "exec", ns] + args, logFile: logFile)
        children.append(child)
        return child
    }

    /// `/run/netns/NAME`: what `setns(2)` opens to put a thread of the test process into the
    /// namespace (e.g. Netlink's `NamespaceThread`, or an event loop thread of the speaker).
    public func netnsPath(_ ns: String) throws -> String {
        try checkNamespace(ns)
        return "/run/netns/" + ns
    }

    /// A path inside the lab directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    // MARK: cleanup

    /// Stops every process this lab started (SIGTERM, then SIGKILL, by pid), deletes every
    /// namespace and the directory. Idempotent. Returns what could not be undone (normally empty).
    @discardableResult
    public func cleanup() -> [String] {
        guard !cleanedUp else { return [] }
        cleanedUp = true
        var problems: [String] = []
        for child in children.reversed() { child.stop(grace: .seconds(2)) }
        for child in children where child.isRunning {
            problems.append("pid \(child.pid) (\(child.command.joined(separator: " "))) still running")
        }
        for ns in namespaces.reversed() {
            problems += killRemainingProcesses(in: ns)
            do {
                try Command.run(["ip", "netns", "delete", ns])
            } catch {
                problems.append("\(error)")
            }
        }
        namespaces.removeAll()
        do {
            try FileManager.default.removeItem(atPath: directory)
        } catch {
            problems.append("cannot remove \(directory): \(error)")
        }
        return problems
    }

    /// Every process still inside `ns` (`ip netns pids NS`) is one this lab's daemons left behind
    /// (a namespace created by this lab holds nothing else): SIGKILL each by pid, bounded wait.
    private func killRemainingProcesses(in ns: String) -> [String] {
        guard let output = try? Command.run(["ip", "netns", "pids", ns], timeout: .seconds(5)) else { return [] }
        let pids = output.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }.filter { $0 > 1 && $0 != getpid() }
        for pid in pids { _ = kill(pid, SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(3)
        var alive = pids
        while !alive.isEmpty, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            alive = alive.filter { pid in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
                return !stat.contains(") Z ")
            }
        }
        return alive.map { "pid \($0) in \(ns) survived SIGKILL" }
    }

    /// Pids of the processes inside `ns` (`ip netns pids NS`).
    public func pids(in ns: String) throws -> [Int32] {
        try checkNamespace(ns)
        return try Command.run(["ip", "netns", "pids", ns]).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    // MARK: checks

    func checkNamespace(_ ns: String) throws {
        guard namespaces.contains(ns) else { throw LabError.unknownNamespace(ns, known: namespaces) }
    }

    /// Interface names are at most 15 bytes (IFNAMSIZ 16 with the NUL), no '/', no whitespace.
    public static func checkInterfaceName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 15 else {
            throw LabError.invalidName(name, reason: "interface names are 1 to 15 bytes long (IFNAMSIZ)")
        }
        guard !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace }) else {
            throw LabError.invalidName(name, reason: "interface names cannot contain '/', ':' or whitespace")
        }
    }
}

/// Numbers labs within one process.
private enum LabCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var value = 0

    static func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
