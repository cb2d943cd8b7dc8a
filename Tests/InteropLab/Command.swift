import Foundation
#if canImport(Glibc)
import Glibc
#endif

import Lab

/// Bounded commands for the interop harness: the lab's `Shell` (one process runner for both),
/// with its errors in this harness's terms.
enum Command {
    /// The absolute path of `program`, or nil when it is not installed.
    static func which(_ program: String) -> String? { Shell.which(program) }

    /// Runs `argv` to completion; kills it (SIGKILL, by pid) once `timeout` has passed.
    static func execute(_ argv: [String], timeout: Duration = .seconds(60)) throws -> CommandResult {
        do {
            return try Shell.execute(argv, timeout: timeout)
        } catch {
            switch error {
            case .commandTimedOut(let command, _, let output):
                throw LabError.commandTimedOut(command: command, timeout: timeout, output: output)
            case .commandFailed(let command, _, let output):
                throw LabError.launchFailed(command: command, reason: output)
            default:
                throw LabError.launchFailed(command: argv, reason: error.description)
            }
        }
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
