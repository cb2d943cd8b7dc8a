/// Everything that can go wrong while building or driving a lab, with what an operator needs to
/// fix it: the command line, its exit status and its output, or the daemon's log tail.
public enum LabError: Error, CustomStringConvertible, Equatable {
    /// Not root, or `ip netns` does not work here.
    case unavailable(reason: String)
    /// A name that cannot be used (interface names are at most 15 bytes: IFNAMSIZ - 1).
    case invalidName(String, reason: String)
    /// A namespace that this lab did not create; the lab never acts on any other namespace.
    case unknownNamespace(String, known: [String])
    /// A command exited with a non-zero status.
    case commandFailed(command: [String], status: Int32, output: String)
    /// A command did not finish in time and was killed (SIGKILL, by pid).
    case commandTimedOut(command: [String], timeout: Duration, output: String)
    /// A program could not be started at all (missing binary, bad path).
    case launchFailed(command: [String], reason: String)
    /// A daemon exited while we waited for it to come up.
    case daemonExited(name: String, status: Int32, logTail: String)
    /// A daemon's configuration was refused.
    case badConfiguration(daemon: String, message: String)
    /// A bounded wait ran out.
    case timedOut(waitingFor: String, after: Duration, lastObserved: String)
    /// A daemon's output did not have the expected shape.
    case unparsable(what: String, output: String)

    public var description: String {
        switch self {
        case .unavailable(let reason):
            return "network-namespace lab unavailable: \(reason)"
        case .invalidName(let name, let reason):
            return "invalid name '\(name)': \(reason)"
        case .unknownNamespace(let ns, let known):
            return "namespace '\(ns)' does not belong to this lab (it has: \(known.joined(separator: ", "))); "
                + "use the name returned by addNamespace"
        case .commandFailed(let command, let status, let output):
            return "`\(command.joined(separator: " "))` exited with status \(status):\n\(output.trimmedTail())"
        case .commandTimedOut(let command, let timeout, let output):
            return "`\(command.joined(separator: " "))` did not finish within \(timeout) and was killed:\n\(output.trimmedTail())"
        case .launchFailed(let command, let reason):
            return "cannot start `\(command.joined(separator: " "))`: \(reason)"
        case .daemonExited(let name, let status, let logTail):
            return "\(name) exited with status \(status) while starting; log tail:\n\(logTail)"
        case .badConfiguration(let daemon, let message):
            return "\(daemon) refused its configuration: \(message)"
        case .timedOut(let what, let after, let last):
            return "timed out after \(after) waiting for \(what); last observed: \(last)"
        case .unparsable(let what, let output):
            return "cannot parse \(what) from:\n\(output.trimmedTail())"
        }
    }
}

extension String {
    /// The last `lines` lines, so an error message stays readable.
    func trimmedTail(lines: Int = 40) -> String {
        let all = split(separator: "\n", omittingEmptySubsequences: false)
        return all.suffix(lines).joined(separator: "\n")
    }
}
