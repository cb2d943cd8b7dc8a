import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The result of one finished command: exit status and stdout+stderr interleaved.
public struct CommandResult: Sendable, Equatable {
    public var command: [String]
    public var status: Int32
    public var output: String
}

/// Runs programs with a bound on their run time, and starts daemons detached from the caller.
/// Output goes to a file rather than a pipe, so a daemon that a command leaves behind can never
/// hold our read end open.
public enum Shell {
    /// Directories searched for a bare program name (root's usual PATH, sbin included).
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/lib/frr"]

    /// The absolute path of `program`, or nil when it is not installed. A path with a slash is
    /// taken as it is (a relative one from the current directory), as a shell takes it.
    public static func which(_ program: String) -> String? {
        if program.contains("/") {
            let absolute = program.hasPrefix("/") ? program : FileManager.default.currentDirectoryPath + "/" + program
            return FileManager.default.isExecutableFile(atPath: absolute) ? lexicallyNormal(absolute) : nil
        }
        return searchPath.map { $0 + "/" + program }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `absolute` without `.` and `..` components and empty ones, symbolic links left as they are
    /// (`/a/./b/../c` is `/a/c`).
    static func lexicallyNormal(_ absolute: String) -> String {
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Runs `argv` to completion; kills it (SIGKILL, by pid) once `timeout` has passed. Its output
    /// goes through a file in `scratch` (a lab's directory, so a crash leaves nothing outside it).
    public static func execute(_ argv: [String], timeout: Duration = .seconds(20), scratch: String? = nil) throws(LabError) -> CommandResult {
        guard let program = argv.first, let path = which(program) else {
            throw .missingProgram(argv.first ?? "", package: "the package that provides it")
        }
        let directory = scratch.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 + "/" : nil } ?? NSTemporaryDirectory()
        let outputPath = directory + "routed-lab-cmd-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              let sink = FileHandle(forWritingAtPath: outputPath) else {
            throw .commandFailed(command: argv, status: -1, output: "cannot create \(outputPath)")
        }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(argv.dropFirst())
        process.standardOutput = sink
        process.standardError = sink
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do {
            try process.run()
        } catch {
            try? sink.close()
            throw .commandFailed(command: argv, status: -1, output: "\(error)")
        }
        try? sink.close()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let finished = done.wait(timeout: .now() + seconds) == .success
        if !finished {
            if process.isRunning { _ = kill(process.processIdentifier, SIGKILL) }
            _ = done.wait(timeout: .now() + 2)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        if !finished { throw .commandTimedOut(command: argv, seconds: seconds, output: output) }
        return CommandResult(command: argv, status: process.terminationStatus, output: output)
    }

    /// Runs `argv` and returns its output; a non-zero exit throws `LabError.commandFailed`.
    @discardableResult
    public static func run(_ argv: [String], timeout: Duration = .seconds(20), scratch: String? = nil) throws(LabError) -> String {
        let r = try execute(argv, timeout: timeout, scratch: scratch)
        guard r.status == 0 else { throw .commandFailed(command: argv, status: r.status, output: r.output) }
        return r.output
    }

    /// Starts `argv` as a daemon in a session of its own (`setsid`), stdin from /dev/null and
    /// stdout+stderr appended to `logFile`, and returns its pid at once. It outlives the caller
    /// (`routed lab up` exits, the agents stay); only `stop(pid:)` ends it.
    public static func spawnDetached(_ argv: [String], logFile: String) throws(LabError) -> Int32 {
        guard let program = argv.first, let path = which(program) else {
            throw .missingProgram(argv.first ?? "", package: "the package that provides it")
        }
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer { posix_spawn_file_actions_destroy(&actions); posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours: a daemon holding the caller's descriptors would keep whoever waits
        // for the caller (a shell's pipe, Foundation's Process) waiting until the daemon exits.
        // (glibc ignores a close that finds the descriptor already gone; `addclosefrom_np` is not imported.)
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for fd in open where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        // A new session (POSIX_SPAWN_SETSID, 0x80: glibc's <spawn.h> hides it behind _GNU_SOURCE), so
        // the terminal's Ctrl-C to `routed lab up` never reaches the daemons; no blocked signals and
        // default handlers (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF), since the calling thread
        // may block SIGTERM (Dispatch's threads do) and a daemon must still stop on it.
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        let rc = posix_spawn(&pid, path, &actions, &attributes, cArgs, environ)
        guard rc == 0 else {
            throw .commandFailed(command: argv, status: rc, output: "posix_spawn: \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// Field 22 of /proc/PID/stat (start time in clock ticks since boot), or nil if no such process.
    /// A pid with the same start time is the same process, not a reused pid.
    public static func startTime(of pid: Int32) -> String? {
        guard pid > 1, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return String(fields[19])
    }

    /// True while `pid` is the process that started at `startTime` and is not a zombie. Reaps it
    /// first when it is our own child that has ended (the test process spawns agents directly).
    public static func isRunning(pid: Int32, startTime: String) -> Bool {
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
        return Self.startTime(of: pid) == startTime
    }

    /// SIGTERM, then SIGKILL after `grace`, only if `pid` is still the process that started at
    /// `startTime`. Bounded. Returns true when it is gone.
    @discardableResult
    public static func stop(pid: Int32, startTime: String, grace: Duration = .seconds(5)) -> Bool {
        guard isRunning(pid: pid, startTime: startTime) else { return true }
        _ = kill(pid, SIGTERM)
        if waitForExit(pid: pid, startTime: startTime, within: grace) { return true }
        _ = kill(pid, SIGKILL)
        return waitForExit(pid: pid, startTime: startTime, within: .seconds(3))
    }

    /// SIGKILL at once (a crash), only if `pid` is still the same process; waits (bounded) until it is gone.
    @discardableResult
    public static func crash(pid: Int32, startTime: String) -> Bool {
        guard isRunning(pid: pid, startTime: startTime) else { return true }
        _ = kill(pid, SIGKILL)
        return waitForExit(pid: pid, startTime: startTime, within: .seconds(3))
    }

    static func waitForExit(pid: Int32, startTime: String, within: Duration) -> Bool {
        let deadline = ContinuousClock.now + within
        while isRunning(pid: pid, startTime: startTime) {
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }
}
