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

/// Runs programs with a bound on their run time. Output goes to a file rather than a pipe, so a
/// daemon that a command leaves behind can never hold our read end open.
enum Command {
    /// Directories searched for a bare program name (root's usual PATH, sbin included).
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/lib/frr"]

    /// The absolute path of `program`, or nil when it is not installed.
    static func which(_ program: String) -> String? {
        if program.hasPrefix("/") {
            return FileManager.default.isExecutableFile(atPath: program) ? program : nil
        }
        for dir in searchPath {
            let candidate = dir + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `argv` to completion; kills it (SIGKILL, by pid) once `timeout` has passed.
    static func execute(_ argv: [String], timeout: Duration = .seconds(60)) throws -> CommandResult {
        guard let program = argv.first, let path = which(program) else {
            throw LabError.launchFailed(command: argv, reason: "'\(argv.first ?? "")' not found in \(searchPath.joined(separator: ":"))")
        }
        let outputPath = NSTemporaryDirectory() + "interoplab-cmd-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              let sink = FileHandle(forWritingAtPath: outputPath) else {
            throw LabError.launchFailed(command: argv, reason: "cannot create \(outputPath)")
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
            throw LabError.launchFailed(command: argv, reason: "\(error)")
        }
        try? sink.close()
        let finished = done.wait(timeout: .now() + timeout.timeInterval) == .success
        if !finished {
            if process.isRunning { _ = kill(process.processIdentifier, SIGKILL) }
            _ = done.wait(timeout: .now() + 2)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        if !finished {
            throw LabError.commandTimedOut(command: argv, timeout: timeout, output: output)
        }
        return CommandResult(command: argv, status: process.terminationStatus, output: output)
    }

    /// Runs `argv` and returns its output; a non-zero exit throws `LabError.commandFailed`.
    @discardableResult
    static func run(_ argv: [String], timeout: Duration = .seconds(60)) throws -> String {
        let result = try execute(argv, timeout: timeout)
        guard result.status == 0 else {
            throw LabError.commandFailed(command: argv, status: result.status, output: result.output)
        }
        return result.output
    }
}

extension Duration {
    /// Seconds as a floating-point `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
