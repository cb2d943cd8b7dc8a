import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// RFC 4271 section 8.2.2, as a table: (state, event) -> next state and what is sent or done.
@Suite struct SessionTransitionTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var from: SessionState
        var event: SessionEvent
        var to: SessionState
        var does: [String]
        var testDescription: String { "\(from) + \(event) -> \(to)" }
    }

    static let update = BGPMessage.update(UpdateMessage(attributes: PathAttributes([PathAttribute(.origin(.igp)),
        PathAttribute(.asPath(ASPath(sequence: [65000]))), PathAttribute(.nextHop(IPv4Address(192, 0, 2, 2)))]),
        nlri: [IPv4Prefix("10.0.0.0/24")!]))
    static let headerError = BGPError(code: .messageHeaderError, subcode: 2, data: [0, 18], reason: "bad length")
    static let cease = BGPMessage.notification(.cease(.peerDeconfigured))

    static let rows: [Row] = [
        // Idle: starts, and ignores everything else.
        Row(from: .idle, event: .start, to: .connect, does: ["connect"]),
        Row(from: .idle, event: .startPassive, to: .active, does: []),
        Row(from: .idle, event: .manualStop(message: nil), to: .idle, does: []),
        Row(from: .idle, event: .timerExpired(.hold), to: .idle, does: []),
        Row(from: .idle, event: .received(.keepalive), to: .idle, does: []),
        Row(from: .idle, event: .tcpConnectionEstablished, to: .idle, does: ["disconnect"]),
        Row(from: .idle, event: .tcpConnectionFails, to: .idle, does: []),
        // Connect.
        Row(from: .connect, event: .start, to: .connect, does: []),
        Row(from: .connect, event: .manualStop(message: nil), to: .idle, does: ["disconnect"]),
        Row(from: .connect, event: .automaticStop(.peerDeconfigured), to: .idle, does: ["disconnect"]),
        Row(from: .connect, event: .timerExpired(.connectRetry), to: .connect, does: ["disconnect", "connect"]),
        Row(from: .connect, event: .tcpConnectionEstablished, to: .openSent, does: ["OPEN"]),
        Row(from: .connect, event: .tcpConnectionFails, to: .idle, does: ["disconnect"]),
        Row(from: .connect, event: .decodeFailed(headerError), to: .idle, does: ["NOTIFICATION 1/2", "disconnect"]),
        Row(from: .connect, event: .received(cease), to: .idle, does: ["disconnect"]),
        Row(from: .connect, event: .received(.keepalive), to: .idle, does: ["disconnect"]),
        Row(from: .connect, event: .timerExpired(.hold), to: .idle, does: ["disconnect"]),
        // Active.
        Row(from: .active, event: .startPassive, to: .active, does: []),
        Row(from: .active, event: .manualStop(message: nil), to: .idle, does: ["disconnect"]),
        Row(from: .active, event: .timerExpired(.connectRetry), to: .active, does: []),  // passive: keeps listening
        Row(from: .active, event: .tcpConnectionEstablished, to: .openSent, does: ["OPEN"]),
        Row(from: .active, event: .tcpConnectionFails, to: .idle, does: ["disconnect"]),
        Row(from: .active, event: .received(.open(openFromB)), to: .idle, does: ["disconnect"]),
        // OpenSent.
        Row(from: .openSent, event: .received(.open(openFromB)), to: .openConfirm, does: ["KEEPALIVE"]),
        Row(from: .openSent, event: .manualStop(message: "maintenance"), to: .idle, does: ["NOTIFICATION 6/2", "disconnect"]),
        Row(from: .openSent, event: .automaticStop(.peerDeconfigured), to: .idle, does: ["NOTIFICATION 6/3", "disconnect"]),
        Row(from: .openSent, event: .timerExpired(.hold), to: .idle, does: ["NOTIFICATION 4/0", "disconnect"]),
        Row(from: .openSent, event: .tcpConnectionFails, to: .active, does: ["disconnect"]),
        Row(from: .openSent, event: .decodeFailed(headerError), to: .idle, does: ["NOTIFICATION 1/2", "disconnect"]),
        Row(from: .openSent, event: .openCollisionDump, to: .idle, does: ["NOTIFICATION 6/7", "disconnect"]),
        Row(from: .openSent, event: .received(cease), to: .idle, does: ["disconnect"]),
        Row(from: .openSent, event: .received(.keepalive), to: .idle, does: ["NOTIFICATION 5/1", "disconnect"]),
        Row(from: .openSent, event: .received(update), to: .idle, does: ["NOTIFICATION 5/1", "disconnect"]),
        Row(from: .openSent, event: .timerExpired(.keepalive), to: .idle, does: ["NOTIFICATION 5/1", "disconnect"]),
        Row(from: .openSent, event: .timerExpired(.connectRetry), to: .idle, does: ["NOTIFICATION 5/1", "disconnect"]),
        // OpenConfirm.
        Row(from: .openConfirm, event: .received(.keepalive), to: .established, does: ["established"]),
        Row(from: .openConfirm, event: .timerExpired(.keepalive), to: .openConfirm, does: ["KEEPALIVE"]),
        Row(from: .openConfirm, event: .timerExpired(.hold), to: .idle, does: ["NOTIFICATION 4/0", "disconnect"]),
        Row(from: .openConfirm, event: .manualStop(message: nil), to: .idle, does: ["NOTIFICATION 6/2", "disconnect"]),
        Row(from: .openConfirm, event: .tcpConnectionFails, to: .idle, does: ["disconnect"]),
        Row(from: .openConfirm, event: .received(cease), to: .idle, does: ["disconnect"]),
        Row(from: .openConfirm, event: .openCollisionDump, to: .idle, does: ["NOTIFICATION 6/7", "disconnect"]),
        Row(from: .openConfirm, event: .received(.open(openFromB)), to: .idle, does: ["NOTIFICATION 5/2", "disconnect"]),
        Row(from: .openConfirm, event: .received(update), to: .idle, does: ["NOTIFICATION 5/2", "disconnect"]),
        // Established.
        Row(from: .established, event: .received(.keepalive), to: .established, does: []),
        Row(from: .established, event: .received(update), to: .established, does: ["deliver UPDATE"]),
        Row(from: .established, event: .received(.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast))), to: .established,
            does: ["deliver ROUTE-REFRESH"]),
        Row(from: .established, event: .received(.routeRefresh(RouteRefreshMessage(family: .ipv4Unicast, subtype: .init(rawValue: 9)))),
            to: .established, does: []),
        Row(from: .established, event: .timerExpired(.keepalive), to: .established, does: ["KEEPALIVE"]),
        Row(from: .established, event: .sendProgress, to: .established, does: []),
        Row(from: .established, event: .updateSent, to: .established, does: []),
        Row(from: .established, event: .timerExpired(.hold), to: .idle, does: ["NOTIFICATION 4/0", "disconnect", "down"]),
        Row(from: .established, event: .timerExpired(.sendHold), to: .idle, does: ["NOTIFICATION 8/0", "disconnect", "down"]),
        Row(from: .established, event: .manualStop(message: "bye"), to: .idle, does: ["NOTIFICATION 6/2", "disconnect", "down"]),
        Row(from: .established, event: .automaticStop(.maximumNumberOfPrefixesReached), to: .idle,
            does: ["NOTIFICATION 6/1", "disconnect", "down"]),
        Row(from: .established, event: .tcpConnectionFails, to: .idle, does: ["disconnect", "down"]),
        Row(from: .established, event: .received(cease), to: .idle, does: ["disconnect", "down"]),
        Row(from: .established, event: .decodeFailed(headerError), to: .idle, does: ["NOTIFICATION 1/2", "disconnect", "down"]),
        Row(from: .established, event: .received(.open(openFromB)), to: .idle, does: ["NOTIFICATION 5/3", "disconnect", "down"]),
        Row(from: .established, event: .openCollisionDump, to: .idle, does: ["NOTIFICATION 6/7", "disconnect", "down"]),
        Row(from: .established, event: .prefixLimitExceeded(.ipv4Unicast, limit: 1000), to: .idle,
            does: ["NOTIFICATION 6/1", "disconnect", "down"]),
    ]

    @Test(arguments: rows)
    func transition(_ row: Row) {
        var m = machine(in: row.from)
        let actions = m.handle(row.event)
        #expect(m.state == row.to)
        #expect(summary(actions) == row.does)
        if row.from != row.to {
            #expect(actions.contains(.stateChanged(from: row.from, to: row.to, reason: actions.compactMap {
                if case .stateChanged(_, _, let r) = $0 { r } else { nil } }.first ?? "")))
        }
    }

    @Test func everyStateAndEveryEventKindIsInTheTable() {
        for state in SessionState.allCases {
            #expect(Self.rows.contains { $0.from == state }, "no row for \(state)")
        }
        let kinds = Set(Self.rows.map { String(describing: $0.event).prefix(while: { $0 != "(" }) })
        for kind in ["start", "startPassive", "manualStop", "automaticStop", "timerExpired", "tcpConnectionEstablished",
                     "tcpConnectionFails", "received", "decodeFailed", "openCollisionDump", "sendProgress", "updateSent",
                     "prefixLimitExceeded"] {
            #expect(kinds.contains(Substring(kind)), "no row for \(kind)")
        }
    }

    @Test func leavingIdleStartsTheJitteredConnectRetryTimer() {
        var m = SessionStateMachine(configuration: routerA)
        let actions = m.handle(.start)
        let retry = actions.compactMap { if case .startTimer(.connectRetry, let d) = $0 { d } else { nil } }.first
        // RFC 4271 section 10: 120 s jittered by 0.75...1.0.
        #expect(retry.map { $0 >= .seconds(90) && $0 <= .seconds(120) } == true)
    }

    @Test func openConfirmNegotiatesTheSmallerHoldTimeAndAThirdForKeepalive() {
        var m = machine(in: .openSent)
        let actions = m.handle(.received(.open(openFromB)))
        #expect(actions.contains(.startTimer(.hold, .seconds(30))))
        let keepalive = actions.compactMap { if case .startTimer(.keepalive, let d) = $0 { d } else { nil } }.first
        #expect(keepalive.map { $0 >= .milliseconds(7500) && $0 <= .seconds(10) } == true)
        #expect(m.negotiated?.holdTime == 30)
        #expect(m.negotiated?.codec.externalPeer == true)
    }

    @Test func failuresBackOffExponentiallyUntilTheMaximum() {
        var m = machine(in: .connect)
        var waits: [Duration] = []
        for _ in 0..<8 {
            let actions = m.handle(.tcpConnectionFails)
            waits += actions.compactMap { if case .startTimer(.idleHold, let d) = $0 { d } else { nil } }
            _ = m.handle(.timerExpired(.idleHold))
        }
        // 5, 10, 20, 40, 80, 160, 300, 300 seconds, each jittered by 0.75...1.0.
        let nominal = [5, 10, 20, 40, 80, 160, 300, 300]
        #expect(waits.count == nominal.count)
        for (w, n) in zip(waits, nominal) { #expect(w >= .milliseconds(n * 750) && w <= .seconds(n)) }
        #expect(m.connectRetryCounter == 8)
    }

    /// RFC 4486 section 4: the Cease carries AFI, SAFI and the limit; the restart waits the configured time.
    @Test func maximumPrefixCeaseCarriesTheLimitAndRestartsLater() {
        var config = routerA
        config.prefixLimitRestart = 30
        var m = SessionStateMachine(configuration: config)
        for e: SessionEvent in [.start, .tcpConnectionEstablished, .received(.open(openFromB)), .received(.keepalive)] { _ = m.handle(e) }
        let actions = m.handle(.prefixLimitExceeded(.ipv6Unicast, limit: 1000))
        #expect(actions.contains(.send(.notification(NotificationMessage(code: .cease, subcode: 1, data: [
            0x00, 0x02,              // AFI IPv6
            0x01,                    // SAFI unicast
            0x00, 0x00, 0x03, 0xE8,  // limit 1000
        ])))))
        let wait = actions.compactMap { if case .startTimer(.idleHold, let d) = $0 { d } else { nil } }.first
        #expect(wait.map { $0 >= .milliseconds(22_500) && $0 <= .seconds(30) } == true)
    }

    @Test func manualStopDisablesAutomaticRestart() {
        var m = machine(in: .established)
        let actions = m.handle(.manualStop(message: "maintenance window"))
        #expect(!actions.contains { if case .startTimer(.idleHold, _) = $0 { true } else { false } })
        #expect(actions.contains(.send(.notification(.cease(.administrativeShutdown, message: "maintenance window")))))
        #expect(m.handle(.timerExpired(.idleHold)).isEmpty)
        #expect(m.state == .idle && !m.isStarted)
    }

    @Test func gracefulRestartKeepsRoutesWhenTheConnectionDrops() {
        var peer = routerB
        peer.gracefulRestart = GracefulRestartCapability(restartTime: 120, families: [.init(family: .ipv4Unicast, forwardingPreserved: true)])
        var m = SessionStateMachine(configuration: routerA)
        for e: SessionEvent in [.start, .tcpConnectionEstablished, .received(.open(peer.openMessage)), .received(.keepalive)] { _ = m.handle(e) }
        #expect(summary(m.handle(.tcpConnectionFails)) == ["disconnect", "down(stale)"])
        // A NOTIFICATION (without the N bit on both sides) flushes the routes.
        var n = SessionStateMachine(configuration: routerA)
        for e: SessionEvent in [.start, .tcpConnectionEstablished, .received(.open(peer.openMessage)), .received(.keepalive)] { _ = n.handle(e) }
        #expect(summary(n.handle(.received(.notification(.cease(.administrativeReset))))) == ["disconnect", "down"])
    }
}
