public import AgentAPI

/// Why a control-API request failed, in the words an operator needs: which socket, what happened,
/// and what to do about it. The agent's own refusals arrive as `.agent` with its message and hint.
public enum AgentClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing listens at the socket path (no file, or a stale file nobody accepts on: ENOENT, ECONNREFUSED).
    case noAgent(socket: String)
    /// The socket exists but this user may not connect to it (EACCES, EPERM): it is root-only.
    case permissionDenied(socket: String)
    /// Something other than a Unix socket is at the path.
    case notASocket(socket: String)
    /// The agent accepted the connection but did not answer in time.
    case timedOut(socket: String, seconds: Int)
    /// The agent refused the request: its `APIErrorBody` (message, hint) and the HTTP status.
    case agent(APIErrorBody, status: Int)
    /// An answer this client cannot read (a status without an `APIErrorBody`, or a body of the wrong shape).
    case unexpectedResponse(method: String, path: String, status: Int, detail: String)
    /// Any other failure of the connection, with the system's words.
    case transport(socket: String, detail: String)

    public var description: String {
        switch self {
        case .noAgent(let socket):
            "no routed agent at \(socket): start one with `routed start --as ASN`, or point --socket / ROUTED_SOCKET at it"
        case .permissionDenied(let socket):
            "permission denied on \(socket): the control socket is root-only (mode 0600); run the command as root (sudo)"
        case .notASocket(let socket):
            "\(socket) is not a Unix socket: point --socket / ROUTED_SOCKET at the agent's control socket"
        case .timedOut(let socket, let seconds):
            "the agent at \(socket) did not answer within \(seconds) s: it may be overloaded or stuck; see its log"
        case .agent(let body, _):
            body.description
        case .unexpectedResponse(let method, let path, let status, let detail):
            "unexpected answer to \(method) \(path) (HTTP \(status)): \(detail); is the agent the same version as this CLI?"
        case .transport(let socket, let detail):
            "cannot talk to the agent at \(socket): \(detail)"
        }
    }
}
