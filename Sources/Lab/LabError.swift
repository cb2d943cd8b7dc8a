import Foundation

/// What went wrong with a lab, in words an operator can act on: what failed and how to fix it.
public enum LabError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Not root, or `ip netns` does not work here.
    case unavailable(reason: String)
    /// A program the lab needs (`ip`, `bird`, `etcd`, ...) is not installed.
    case missingProgram(String, package: String)
    /// A command-line value the lab refuses, before anything was made.
    case invalidOption(option: String, value: String, problem: String, fix: String)
    /// `up` for a lab whose state file already exists.
    case alreadyUp(name: String, stateFile: String)
    /// `status` or `down` for a lab with no state file.
    case notFound(name: String, stateFile: String)
    /// A command the lab ran exited non-zero.
    case commandFailed(command: [String], status: Int32, output: String)
    /// A command ran past its time limit and was killed.
    case commandTimedOut(command: [String], seconds: Double, output: String)
    /// A daemon did not become ready (it exited, or did not answer in time).
    case daemonNotReady(name: String, waitedSeconds: Double, logTail: String)
    /// The state file cannot be read or written.
    case stateFile(path: String, problem: String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "routed lab cannot run here: \(reason)"
        case .missingProgram(let p, let pkg): "'\(p)' is not installed: install it (apt-get install \(pkg)) and try again"
        case .invalidOption(let o, let v, let problem, let fix): "\(o) \(v): \(problem); \(fix)"
        case .alreadyUp(let n, let f): "lab \(n) is already up (\(f) exists): run `routed lab down --name \(n)` first, or choose another --name"
        case .notFound(let n, let f): "no lab named \(n) (no \(f)): start one with `routed lab up --name \(n)`, or give the --name/--dir it was started with"
        case .commandFailed(let c, let s, let out): "`\(c.joined(separator: " "))` exited with status \(s): \(out.trimmingTail(lines: 10))"
        case .commandTimedOut(let c, let s, let out): "`\(c.joined(separator: " "))` did not finish within \(s) s and was killed: \(out.trimmingTail(lines: 10))"
        case .daemonNotReady(let n, let s, let log): "\(n) was not ready after \(s) s; the end of its log:\n\(log)"
        case .stateFile(let p, let problem): "lab state file \(p): \(problem)"
        }
    }
}

extension String {
    /// The last `lines` lines, trimmed: the useful end of a log or of a command's output.
    func trimmingTail(lines: Int) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
