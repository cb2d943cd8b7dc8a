/// Everything that can go wrong talking rtnetlink, carrying what an operator needs to act.
public enum NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed before the kernel saw a request (`socket`, `bind`, `sendto`, `setns`, ...).
    case system(call: String, errno: Int32)
    /// The kernel rejected one request. `sequence` is the netlink sequence number of that request,
    /// `extendedAck` the kernel's own explanation (NETLINK_EXT_ACK, NLMSGERR_ATTR_MSG) when it gave one.
    case kernel(operation: String, errno: Int32, sequence: UInt32, extendedAck: String?)
    /// A reply did not parse: a length that points past the data, a truncated header, ...
    case malformed(String)
    /// A request we refuse to build (bad name, prefix family mismatch, message too large, ...).
    /// Nothing was sent.
    case invalidArgument(String)
    /// A waited-for reply did not arrive in time.
    case timedOut(String)

    public var errno: Int32? {
        switch self {
        case .system(_, let e), .kernel(_, let e, _, _): e
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .system(let call, let e):
            return "\(call) failed: \(errnoName(e)) (\(e))"
        case .kernel(let op, let e, let seq, let ack):
            let text = ack.map { ": \($0)" } ?? ""
            return "kernel rejected \(op) (seq \(seq)): \(errnoName(e))\(text)"
        case .malformed(let why):
            return "malformed netlink reply: \(why)"
        case .invalidArgument(let why):
            return "invalid request, nothing sent: \(why)"
        case .timedOut(let what):
            return "timed out waiting for \(what)"
        }
    }
}

/// One failed request in a batch: which one (index into the batch and sequence number) and why.
public struct BatchFailure: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var error: NetlinkError
    public init(index: Int, error: NetlinkError) { self.index = index; self.error = error }
    public var description: String { "request #\(index): \(error)" }
}

/// Short symbolic names for the errno values rtnetlink returns most, so messages read like `ip`'s.
func errnoName(_ e: Int32) -> String {
    switch e {
    case 1: "EPERM"
    case 2: "ENOENT"
    case 3: "ESRCH"
    case 12: "ENOMEM"
    case 13: "EACCES"
    case 16: "EBUSY"
    case 17: "EEXIST"
    case 19: "ENODEV"
    case 22: "EINVAL"
    case 34: "ERANGE"
    case 90: "EMSGSIZE"
    case 95: "EOPNOTSUPP"
    case 97: "EAFNOSUPPORT"
    case 101: "ENETUNREACH"
    case 105: "ENOBUFS"
    case 113: "EHOSTUNREACH"
    default: "errno \(e)"
    }
}
