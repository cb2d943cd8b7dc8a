public import BGPWire

/// What the FSM asks of the transport and the RIB; the handler executes them in order.
public enum SessionAction: Hashable, Sendable {
    /// Open a TCP connection to the peer.
    case connect
    /// Encode and send a message.
    case send(BGPMessage)
    /// Close the TCP connection (after flushing anything sent before this action).
    case disconnect
    /// (Re)start a timer to fire after `duration`.
    case startTimer(SessionTimer, Duration)
    case stopTimer(SessionTimer)
    /// The state changed; `reason` says why, for the log.
    case stateChanged(from: SessionState, to: SessionState, reason: String)
    /// The session reached Established with what was negotiated.
    case established(NegotiatedSession)
    /// An UPDATE for the RIB (RFC 7606 outcomes inside).
    case deliverUpdate(UpdateMessage)
    /// A ROUTE-REFRESH for the RIB (RFC 2918, RFC 7313).
    case deliverRouteRefresh(RouteRefreshMessage)
    /// The session left Established: the RIB flushes the peer's routes, or marks them stale if
    /// `gracefulRestart` says the peer will come back (RFC 4724 section 4.2).
    case sessionDown(reason: String, gracefulRestart: Bool)
}
