/// A `routed start` option or config-file value that cannot be used: which one, what was wrong,
/// and how to fix it. Thrown before anything on the host is touched; the process exits non-zero.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The option as the operator typed it (`--pool`, `--peer`), or the config-file key.
    public var option: String
    public var problem: String
    public var fix: String

    public init(option: String, problem: String, fix: String) {
        self.option = option
        self.problem = problem
        self.fix = fix
    }

    public var description: String { "\(option): \(problem); \(fix)" }
}
