/// The body of every failed control-API request: what was wrong and how to fix it.
///
/// `kind` is a stable machine-readable word (`unknownNetwork`, `unknownEndpoint`, `unknownPeer`,
/// `unknownPolicy`, `alreadyExists`, `invalidArgument`, `exhausted`, `conflict`, `kernel`,
/// `datastore`, `internal`); `message` is the sentence the CLI prints; `hint` what to do next.
public struct APIErrorBody: Codable, Hashable, Sendable, Error, CustomStringConvertible {
    public var kind: String
    public var message: String
    public var hint: String?

    public init(kind: String, message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message) (\($0))" } ?? message }

    /// The HTTP status a `kind` is answered with.
    public var httpStatus: Int {
        switch kind {
        case "unknownNetwork", "unknownEndpoint", "unknownPeer", "unknownPolicy": 404
        case "alreadyExists", "conflict": 409
        case "invalidArgument": 400
        case "exhausted": 507
        case "kernel", "datastore": 502
        default: 500
        }
    }
}
