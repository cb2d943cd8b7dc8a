/// What can go wrong programming nf_tables, carrying what an operator needs to act.
public enum NFTablesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed before the kernel saw the batch (socket, bind, sendto, ...).
    case system(call: String, errno: Int32)
    /// A batch we refuse to build (nothing was sent).
    case invalidArgument(String)
    /// The kernel refused the batch: the transaction was aborted and nothing of it applied.
    /// `failures` lists every refused message (sequence number, what it was, errno, ext-ack text).
    case rejected(failures: [NFTMessageFailure])
    /// A reply did not parse or never came.
    case noAcknowledgement(String)

    public var description: String {
        switch self {
        case .system(let call, let e): "\(call) failed: \(errnoName(e)) (\(e))"
        case .invalidArgument(let why): "invalid nftables batch, nothing sent: \(why)"
        case .rejected(let f):
            "the kernel refused the nftables batch, nothing applied: " + f.map(\.description).joined(separator: "; ")
        case .noAcknowledgement(let why): "no answer to the nftables batch: \(why)"
        }
    }
}

/// One message of a batch the kernel refused.
public struct NFTMessageFailure: Equatable, Sendable, CustomStringConvertible {
    public var sequence: UInt32
    /// What the message did, in nft words (`add rule inet routed forward`).
    public var message: String
    public var errno: Int32
    public var extendedAck: String?
    public var description: String {
        "message #\(sequence) (\(message)): \(errnoName(errno))" + (extendedAck.map { ": \($0)" } ?? "")
    }
}
