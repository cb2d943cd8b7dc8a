public import BGPWire

/// The inputs of the FSM, named after RFC 4271 section 8.1 (event numbers in the doc comments).
/// Time reaches the FSM only as timer-expiry events.
public enum SessionEvent: Hashable, Sendable {
    /// Event 1 ManualStart / event 3 AutomaticStart: connect actively.
    case start
    /// Event 4/5 ManualStart_with_PassiveTcpEstablishment: wait for the peer to connect.
    case startPassive
    /// Event 2 ManualStop: operator shutdown, with an RFC 9003 shutdown communication.
    case manualStop(message: String?)
    /// Event 8 AutomaticStop: the agent tears the session down (Cease with `subcode`).
    case automaticStop(CeaseSubcode)
    /// The peer sent more prefixes than allowed: Cease/Maximum Number of Prefixes Reached with the
    /// family and the limit as data (RFC 4486 section 4), then a restart after `prefixLimitRestart`.
    case prefixLimitExceeded(AddressFamily, limit: UInt32)
    /// Events 9–13 and RFC 9687: a timer the FSM started has expired.
    case timerExpired(SessionTimer)
    /// Event 16 Tcp_CR_Acked (our connection) / 17 TcpConnectionConfirmed (the peer's).
    case tcpConnectionEstablished
    /// Event 18 TcpConnectionFails.
    case tcpConnectionFails
    /// Events 19, 25–27 and ROUTE-REFRESH: a message decoded from the connection.
    case received(BGPMessage)
    /// Events 21, 22, 28 BGPHeaderErr / BGPOpenMsgErr / UpdateMsgErr: decoding failed and the session resets.
    case decodeFailed(BGPError)
    /// Event 23 OpenCollisionDump: connection collision resolution chose the other connection.
    case openCollisionDump
    /// The transport wrote queued octets to the socket (RFC 9687: progress restarts the SendHoldTimer).
    case sendProgress
    /// The transport sent an UPDATE the RIB produced (RFC 4271 section 8.2.2: restarts the KeepaliveTimer).
    case updateSent
}
