import SeededRandom
import BGPWire

/// The BGP finite state machine of RFC 4271 section 8, as a pure function of (state, event) that
/// returns actions. No clock, no socket: the transport executes the actions, owns the timers and
/// feeds back their expiry, the connection's fate and the decoded messages as events.
public struct SessionStateMachine: Sendable {
    public private(set) var state: SessionState = .idle
    public let configuration: PeerConfiguration
    /// Set from the peer's OPEN until the session returns to Idle.
    public private(set) var negotiated: NegotiatedSession?
    /// RFC 4271 section 8: consecutive failures; it sets the automatic-restart backoff.
    public private(set) var connectRetryCounter = 0
    /// Why the session last went down, for `routed status`.
    public private(set) var lastError: String?
    /// Administratively started (events 1/3/4/5) and not stopped since.
    public private(set) var isStarted = false
    private var passive = false
    private var random: SplitMix64

    /// The OpenSent HoldTimer: "a large value", 4 minutes (RFC 4271 section 8.2.2).
    static let openSentHoldTime = Duration.seconds(240)

    public init(configuration: PeerConfiguration, seed: UInt64 = 0x5EED) {
        self.configuration = configuration
        self.random = SplitMix64(seed: seed)
    }

    public mutating func handle(_ event: SessionEvent) -> [SessionAction] {
        switch state {
        case .idle: idle(event)
        case .connect, .active: connecting(event)
        case .openSent: openSent(event)
        case .openConfirm: openConfirm(event)
        case .established: established(event)
        }
    }

    // MARK: - States (RFC 4271 section 8.2.2)

    private mutating func idle(_ event: SessionEvent) -> [SessionAction] {
        switch event {
        case .start:
            isStarted = true
            passive = false
            return begin(reason: "ManualStart")
        case .startPassive:
            isStarted = true
            passive = true
            return begin(reason: "ManualStart_with_PassiveTcpEstablishment")
        case .timerExpired(.idleHold) where isStarted:
            return begin(reason: "IdleHoldTimer expired: automatic restart")
        case .manualStop:
            isStarted = false
            connectRetryCounter = 0
            return [.stopTimer(.idleHold)]
        case .tcpConnectionEstablished:
            // A connection while Idle is refused: the peer will retry.
            return [.disconnect]
        default:
            return []  // "Any other events ... do not cause change in the state."
        }
    }

    private mutating func begin(reason: String) -> [SessionAction] {
        var actions: [SessionAction] = [.stopTimer(.idleHold), .startTimer(.connectRetry, jittered(configuration.connectRetryTime))]
        if passive {
            actions.append(transition(to: .active, reason))
        } else {
            actions.append(.connect)
            actions.append(transition(to: .connect, reason))
        }
        return actions
    }

    /// Connect and Active differ only in who opens the connection.
    private mutating func connecting(_ event: SessionEvent) -> [SessionAction] {
        switch event {
        case .start, .startPassive:
            return []
        case .manualStop:
            return stop(notification: nil, reason: "ManualStop")
        case .automaticStop(let subcode):
            return down(reason: "AutomaticStop (\(subcode))", notification: nil)
        case .timerExpired(.connectRetry):
            var actions: [SessionAction] = [.startTimer(.connectRetry, jittered(configuration.connectRetryTime))]
            if passive { return actions }
            actions.insert(.disconnect, at: 0)
            actions.append(.connect)
            if state == .active { actions.append(transition(to: .connect, "ConnectRetryTimer expired")) }
            return actions
        case .tcpConnectionEstablished:
            return [.stopTimer(.connectRetry), .send(.open(configuration.openMessage)),
                    .startTimer(.hold, Self.openSentHoldTime), transition(to: .openSent, "TCP connection established")]
        case .tcpConnectionFails:
            return down(reason: "TCP connection failed", notification: nil)
        case .decodeFailed(let error):
            return down(reason: "\(error)", notification: error.notification)
        case .received(.notification(let n)):
            return down(reason: "NOTIFICATION received: \(n)", notification: nil)
        default:
            return down(reason: "unexpected \(event) in \(state)", notification: nil)
        }
    }

    private mutating func openSent(_ event: SessionEvent) -> [SessionAction] {
        switch event {
        case .start, .startPassive:
            return []
        case .tcpConnectionFails:
            // RFC 4271: back to Active, listening, with the ConnectRetryTimer restarted.
            return [.disconnect, .stopTimer(.hold), .startTimer(.connectRetry, jittered(configuration.connectRetryTime)),
                    transition(to: .active, "TCP connection failed in OpenSent")]
        case .received(.open(let open)):
            switch OpenNegotiation.negotiate(local: configuration, received: open) {
            case .failure(let error):
                return down(reason: error.reason, notification: error.notification)
            case .success(let session):
                negotiated = session
                var actions: [SessionAction] = [.send(.keepalive)]
                if session.holdTime > 0 {
                    actions += [.startTimer(.keepalive, jittered(session.keepaliveTime)),
                                .startTimer(.hold, .seconds(Int(session.holdTime)))]
                } else {
                    actions.append(.stopTimer(.hold))
                }
                actions.append(transition(to: .openConfirm, "OPEN accepted from AS \(session.peerAS), hold time \(session.holdTime) s"))
                return actions
            }
        default:
            return common(event, unexpected: .unexpectedMessageInOpenSent)
        }
    }

    private mutating func openConfirm(_ event: SessionEvent) -> [SessionAction] {
        switch event {
        case .start, .startPassive:
            return []
        case .received(.keepalive):
            guard let session = negotiated else { return down(reason: "no negotiated session", notification: nil) }
            var actions: [SessionAction] = []
            if session.holdTime > 0 {
                actions.append(.startTimer(.hold, .seconds(Int(session.holdTime))))
                if let sendHold = sendHoldTime(session) { actions.append(.startTimer(.sendHold, sendHold)) }
            }
            connectRetryCounter = 0
            lastError = nil
            actions.append(transition(to: .established, "KEEPALIVE received"))
            actions.append(.established(session))
            return actions
        default:
            return common(event, unexpected: .unexpectedMessageInOpenConfirm)
        }
    }

    private mutating func established(_ event: SessionEvent) -> [SessionAction] {
        switch event {
        case .start, .startPassive:
            return []
        case .received(.keepalive):
            return restartHold()
        case .received(.update(let update)):
            return restartHold() + [.deliverUpdate(update)]
        case .received(.routeRefresh(let refresh)):
            // RFC 7313 section 5: a reserved subtype is ignored.
            return restartHold() + (refresh.subtype.isReserved ? [] : [.deliverRouteRefresh(refresh)])
        case .sendProgress:
            guard let session = negotiated, let sendHold = sendHoldTime(session) else { return [] }
            return [.startTimer(.sendHold, sendHold)]
        case .updateSent:
            guard let session = negotiated, session.holdTime > 0 else { return [] }
            return [.startTimer(.keepalive, jittered(session.keepaliveTime))]
        case .prefixLimitExceeded(let family, let limit):
            // RFC 4486 section 4: AFI (2), SAFI (1), the upper bound (4).
            let data = [UInt8(family.afi.rawValue >> 8), UInt8(truncatingIfNeeded: family.afi.rawValue), family.safi.rawValue,
                        UInt8(limit >> 24), UInt8(truncatingIfNeeded: limit >> 16), UInt8(truncatingIfNeeded: limit >> 8), UInt8(truncatingIfNeeded: limit)]
            return down(reason: "more than \(limit) \(family) prefixes received",
                        notification: NotificationMessage(code: .cease, subcode: CeaseSubcode.maximumNumberOfPrefixesReached.rawValue, data: data),
                        restartAfter: configuration.prefixLimitRestart)
        case .timerExpired(.sendHold):
            // RFC 9687 section 4: best effort NOTIFICATION, then close.
            return down(reason: "SendHoldTimer expired: the peer is not reading",
                        notification: NotificationMessage(code: .sendHoldTimerExpired, subcode: 0))
        default:
            return common(event, unexpected: .unexpectedMessageInEstablished)
        }
    }

    /// Events handled alike in OpenSent, OpenConfirm and Established.
    private mutating func common(_ event: SessionEvent, unexpected: FSMErrorSubcode) -> [SessionAction] {
        switch event {
        case .manualStop(let message):
            return stop(notification: .cease(.administrativeShutdown, message: message), reason: "ManualStop")
        case .automaticStop(let subcode):
            return down(reason: "AutomaticStop (\(subcode))", notification: .cease(subcode))
        case .timerExpired(.hold):
            return down(reason: "HoldTimer expired", notification: NotificationMessage(code: .holdTimerExpired, subcode: 0))
        case .timerExpired(.keepalive) where state != .openSent:
            guard let session = negotiated, session.holdTime > 0 else { return [] }
            return [.send(.keepalive), .startTimer(.keepalive, jittered(session.keepaliveTime))]
        case .tcpConnectionFails:
            return down(reason: "TCP connection failed", notification: nil)
        case .received(.notification(let n)):
            return down(reason: "NOTIFICATION received: \(n)", notification: nil, received: n)
        case .decodeFailed(let error):
            return down(reason: "\(error)", notification: error.notification)
        case .openCollisionDump:
            return down(reason: "connection collision: the other connection wins", notification: .cease(.connectionCollisionResolution))
        case .sendProgress, .updateSent:
            return []
        default:
            return down(reason: "unexpected \(event) in \(state)",
                        notification: NotificationMessage(code: .finiteStateMachineError, subcode: unexpected.rawValue))
        }
    }

    // MARK: - Going down

    /// ManualStop: down without automatic restart, counter reset.
    private mutating func stop(notification: NotificationMessage?, reason: String) -> [SessionAction] {
        isStarted = false
        let actions = down(reason: reason, notification: notification)
        connectRetryCounter = 0
        return actions
    }

    /// Back to Idle: send the NOTIFICATION if any, close, stop the timers, tell the RIB, and (when
    /// still started) arm the automatic restart with a backoff that doubles per consecutive failure.
    private mutating func down(reason: String, notification: NotificationMessage?, received: NotificationMessage? = nil,
                               restartAfter: UInt16? = nil) -> [SessionAction] {
        var actions: [SessionAction] = []
        if let notification { actions.append(.send(.notification(notification))) }
        actions.append(.disconnect)
        actions += [SessionTimer.connectRetry, .hold, .keepalive, .sendHold].map(SessionAction.stopTimer)
        if state == .established {
            actions.append(.sessionDown(reason: reason, gracefulRestart: keepsRoutes(sent: notification, received: received)))
        }
        actions.append(transition(to: .idle, reason))
        lastError = reason
        negotiated = nil
        connectRetryCounter += 1
        if isStarted && configuration.automaticRestart {
            let exponent = min(connectRetryCounter - 1, 16)
            let seconds = restartAfter.map(UInt32.init) ?? min(UInt32(configuration.idleHoldTime) << exponent, UInt32(configuration.maxIdleHoldTime))
            actions.append(.startTimer(.idleHold, jittered(UInt16(clamping: seconds))))
        }
        return actions
    }

    /// RFC 4724 section 4.2: a restarting peer's routes are kept (stale) when the session drops
    /// without a NOTIFICATION; with the N bit on both sides, also after one other than Hard Reset (RFC 8538).
    private func keepsRoutes(sent: NotificationMessage?, received: NotificationMessage?) -> Bool {
        guard let peer = negotiated?.peerGracefulRestart else { return false }
        guard let n = sent ?? received else { return true }
        let bothN = peer.notification && (configuration.gracefulRestart?.notification ?? false)
        let hardReset = n.code == .cease && n.subcode == CeaseSubcode.hardReset.rawValue
        return bothN && !hardReset && !(sent != nil && n.code == .cease)
    }

    // MARK: - Helpers

    private mutating func transition(to next: SessionState, _ reason: String) -> SessionAction {
        defer { state = next }
        return .stateChanged(from: state, to: next, reason: reason)
    }

    private func restartHold() -> [SessionAction] {
        guard let session = negotiated, session.holdTime > 0 else { return [] }
        return [.startTimer(.hold, .seconds(Int(session.holdTime)))]
    }

    /// RFC 9687 section 3: the larger of 8 minutes and twice the hold time, unless configured.
    private func sendHoldTime(_ session: NegotiatedSession) -> Duration? {
        let seconds = configuration.sendHoldTime ?? max(480, 2 * UInt32(session.holdTime))
        return seconds == 0 || session.holdTime == 0 ? nil : .seconds(Int(seconds))
    }

    /// RFC 4271 section 10: timers are jittered by a random factor between 0.75 and 1.
    private mutating func jittered(_ seconds: UInt16) -> Duration {
        let factor = 750 + Int(random.next() % 251)
        return .milliseconds(Int(seconds) * factor)
    }
}
