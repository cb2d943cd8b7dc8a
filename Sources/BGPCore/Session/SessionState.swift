/// The states of the BGP finite state machine (RFC 4271 section 8.2.2).
public enum SessionState: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case idle = "Idle"
    case connect = "Connect"
    case active = "Active"
    case openSent = "OpenSent"
    case openConfirm = "OpenConfirm"
    case established = "Established"

    public var description: String { rawValue }
}

/// The timers the FSM starts and stops; the transport owns the clocks and reports expiry as events.
public enum SessionTimer: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// RFC 4271 section 10: ConnectRetryTimer.
    case connectRetry = "ConnectRetryTimer"
    /// RFC 4271 section 10: HoldTimer.
    case hold = "HoldTimer"
    /// RFC 4271 section 10: KeepaliveTimer.
    case keepalive = "KeepaliveTimer"
    /// RFC 9687: SendHoldTimer, so a peer that stops reading cannot wedge the session.
    case sendHold = "SendHoldTimer"
    /// RFC 4271 section 8.1.1 (IdleHoldTime): the backoff before an automatic restart.
    case idleHold = "IdleHoldTimer"

    public var description: String { rawValue }
}
