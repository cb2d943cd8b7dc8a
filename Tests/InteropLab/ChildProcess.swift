import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A background process that a lab started (a daemon), stopped by its pid only.
///
/// `ip netns exec NS PROG` execs PROG, so the pid here is the daemon's own pid as long as the
/// daemon runs in the foreground (`bird -f`, `gobgpd`, `bgpd` without `-d`).
public final class ChildProcess {
    public let command: [String]
    public let logFile: String
    private let process: Process

    init(command: [String], logFile: String) throws {
        guard let program = command.first, let path = Command.which(program) else {
            throw LabError.launchFailed(command: command, reason: "'\(command.first ?? "")' not found")
        }
        if !FileManager.default.fileExists(atPath: logFile) {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        }
        guard let sink = FileHandle(forWritingAtPath: logFile) else {
            throw LabError.launchFailed(command: command, reason: "cannot open log file \(logFile)")
        }
        sink.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(command.dropFirst())
        process.standardOutput = sink
        process.standardError = sink
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? sink.close()
            throw LabError.launchFailed(command: command, reason: "\(error)")
        }
        try? sink.close()
        self.command = command
        self.logFile = logFile
        self.process = process
    }

    public var pid: Int32 { process.processIdentifier }

    /// True while the process exists and is not a zombie.
    ///
    /// Foundation on Linux learns of a child's end when a socket the child inherited closes, so a
    /// grandchild that inherited it too (a shell's `sleep`) keeps `Process.isRunning` true after
    /// the child itself died; `/proc/PID/stat` tells the truth (state `Z` until Foundation reaps it).
    public var isRunning: Bool {
        guard process.isRunning else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// The exit status (or terminating signal), once Foundation has reaped the process.
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// SIGTERM, then SIGKILL if the process is still there after `grace`. Bounded; idempotent.
    public func stop(grace: Duration = .seconds(3)) {
        guard isRunning else { return }
        _ = Glibc.kill(pid, SIGTERM)
        if waitForExit(within: grace) { return }
        kill()
    }

    /// SIGKILL at once (a crash, for restart tests), then wait (bounded) until it is reaped.
    public func kill() {
        guard isRunning else { return }
        _ = Glibc.kill(pid, SIGKILL)
        _ = waitForExit(within: .seconds(3))
    }

    /// Waits until the process has ended; false if it is still running after `within`.
    @discardableResult
    public func waitForExit(within: Duration) -> Bool {
        let deadline = ContinuousClock.now + within
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    /// Waits (bounded) until `ready` says the daemon answers; throws if it exits first (with its
    /// log) or does not answer within `timeout`.
    public func waitUntilReady(_ name: String, waitingFor what: String, timeout: Duration, interval: Double,
                               _ ready: () -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if !isRunning { throw LabError.daemonExited(name: name, status: exitStatus ?? -1, logTail: logTail()) }
            if ready() { return }
            if ContinuousClock.now >= deadline {
                throw LabError.timedOut(waitingFor: what, after: timeout, lastObserved: logTail())
            }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// The last lines of the log file, for error messages.
    public func logTail(lines: Int = 30) -> String {
        ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").trimmedTail(lines: lines)
    }
}
