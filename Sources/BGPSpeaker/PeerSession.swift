import Logging
import NIOCore
import NIOPosix
import BGPCore
import BGPWire
import IPAddressing

/// One peering: the RFC 4271 FSM and the connection and timers it drives.
///
/// Confined to `eventLoop`: every method runs there (callers hop with `onLoop`). The FSM decides,
/// this class executes its actions: connect, send, close, start and stop timers, report. Routes
/// go to the speaker's one RIB (`RIBLoop`) as one batch per UPDATE, decoded here, on the session's
/// own loop; what the RIB has for this peer comes back as `PeerMessage`s (`deliver`).
final class PeerSession: @unchecked Sendable {
    let spec: PeerSpec
    let eventLoop: any EventLoop
    private var fsm: SessionStateMachine
    private var channel: (any Channel)?
    /// The connection in use was opened by us (RFC 4271 section 6.8 keeps that one when our identifier is higher).
    private var channelIsOurs = false
    /// A second connection opened by the peer while ours is in OpenSent or OpenConfirm, with its own
    /// FSM, until its OPEN decides which connection survives (RFC 4271 section 6.8).
    private var candidate: (channel: any Channel, fsm: SessionStateMachine)?
    private let localAS: UInt32
    private let routerID: IPv4Address
    private var timers: [SessionTimer: Scheduled<Void>] = [:]
    private(set) var since: ContinuousClock.Instant = .now
    /// Counts Established sessions: the RIB tags what it sends with it, so routes meant for a
    /// session that has ended never reach the next one.
    private(set) var epoch = 0
    /// Close without a NOTIFICATION (graceful restart: the peer keeps our routes, RFC 4724 section 4.1).
    private var silentStop = false
    private let emit: @Sendable (SpeakerEvent) -> Void
    private let logger: Logger
    private let rib: RIBLoop
    private let reportsReceivedRoutes: Bool

    init(spec: PeerSpec, configuration: SpeakerConfiguration, eventLoop: any EventLoop, rib: RIBLoop, logger: Logger,
         emit: @escaping @Sendable (SpeakerEvent) -> Void) {
        self.spec = spec
        self.eventLoop = eventLoop
        self.rib = rib
        self.reportsReceivedRoutes = configuration.reportReceivedRoutes
        self.localAS = configuration.localAS
        self.routerID = configuration.routerID
        self.emit = emit
        var log = logger
        log[metadataKey: "peer"] = "\(spec.address)"
        self.logger = log
        var peerConfiguration = PeerConfiguration(
            localAS: configuration.localAS, peerAS: spec.remoteAS ?? configuration.localAS, localIdentifier: configuration.routerID,
            holdTime: spec.holdTime, keepaliveTime: spec.keepaliveTime, connectRetryTime: spec.connectRetryTime,
            families: [.ipv4Unicast, .ipv6Unicast], gracefulRestart: configuration.gracefulRestart)
        peerConfiguration.prefixLimitRestart = spec.maxPrefixRestart
        // Seed the timer jitter from the peer, so two peers do not retry in lockstep.
        var seed: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in "\(spec.address)".utf8 { seed = (seed ^ UInt64(b)) &* 0x100_0000_01B3 }
        self.fsm = SessionStateMachine(configuration: peerConfiguration, seed: seed)
        self.isExternal = peerConfiguration.isExternal
    }

    /// Runs `body` on the session's event loop (directly when already there, keeping order).
    func onLoop(_ body: @escaping @Sendable (PeerSession) -> Void) {
        if eventLoop.inEventLoop { body(self) } else { eventLoop.execute { body(self) } }
    }

    var state: SessionState { fsm.state }
    /// Fixed at creation, so it may be read from any loop (the listener's included).
    let isExternal: Bool
    var lastError: String? { fsm.lastError }
    var peerAS: UInt32 { fsm.negotiated?.peerAS ?? fsm.configuration.peerAS }

    func start() { handle(spec.passive ? .startPassive : .start) }

    /// ManualStop: Cease/Administrative Shutdown with `message` (RFC 9003) and `subcode`; with
    /// `silently`, the connection just closes, so a peer with graceful restart keeps our routes.
    func stop(message: String?, silently: Bool = false) {
        silentStop = silently
        handle(.manualStop(message: message))
        silentStop = false
    }

    /// Ends the session with Cease/`subcode` (RFC 4486), e.g. Peer De-configured; no restart.
    func stop(_ subcode: CeaseSubcode) {
        if fsm.state == .established || fsm.state == .openConfirm || fsm.state == .openSent {
            send(.notification(.cease(subcode)))
        }
        silentStop = true
        handle(.manualStop(message: nil))
        silentStop = false
    }

    // MARK: - Events from the connection

    func connectionEstablished(_ channel: any Channel, inbound: Bool) {
        if self.channel === channel || candidate?.channel === channel { return }
        switch fsm.state {
        case .connect where self.channel == nil, .active where self.channel == nil:
            self.channel = channel
            channelIsOurs = !inbound
            handle(.tcpConnectionEstablished)
        case .openSent where inbound && candidate == nil, .openConfirm where inbound && candidate == nil,
             .established where inbound && candidate == nil:
            // RFC 4271 section 6.8: run the second connection until its OPEN tells who wins (or,
            // when Established, whether the peer restarted: RFC 4724 section 4.2).
            var second = SessionStateMachine(configuration: fsm.configuration, seed: UInt64(truncatingIfNeeded: ObjectIdentifier(channel).hashValue))
            _ = second.handle(.start)
            for case .send(let m) in second.handle(.tcpConnectionEstablished) { send(m, on: channel, context: .beforeOpen) }
            candidate = (channel, second)
            logger.info("connection collision: running the peer's connection until its OPEN", metadata: ["state": "\(fsm.state)"])
        default:
            // Idle, a second connection of our own, or a third while one collision is being
            // resolved: refuse it.
            logger.info("refusing a second connection", metadata: ["state": "\(fsm.state)"])
            channel.close(promise: nil)
        }
    }

    /// The peer's OPEN on the second connection: compare identifiers (RFC 4271 section 6.8) and
    /// dump the loser with Cease/Connection Collision Resolution (RFC 4486).
    private func resolveCollision(_ open: OpenMessage) {
        guard let (second, pending) = candidate.map({ ($0.channel, $0.fsm) }) else { return }
        var secondFSM = pending
        candidate = nil
        let actions = secondFSM.handle(.received(.open(open)))
        guard secondFSM.state == .openConfirm else {
            for case .send(let m) in actions { send(m, on: second, context: .beforeOpen) }
            second.close(promise: nil)
            return
        }
        if fsm.state == .established {
            // RFC 4724 section 4.2: an OPEN with the Restart State bit from a peer we have a session
            // with means it restarted: the old session ends, its routes kept stale, the new one takes
            // over. Otherwise the new connection loses to the Established one (RFC 4271 section 6.8).
            let restarted = open.capabilities.contains { if case .gracefulRestart(let g) = $0 { g.restartState } else { false } }
            guard restarted else {
                logger.info("connection collision with an Established session: closing the new connection")
                send(.notification(.cease(.connectionCollisionResolution)), on: second, context: .beforeOpen)
                second.close(promise: nil)
                return
            }
            logger.notice("peer restarted (Restart State bit): replacing the old session")
            handle(.tcpConnectionFails)
            execute(.stopTimer(.idleHold))
            fsm = secondFSM
            channel = second
            channelIsOurs = false
            actions.forEach(execute)
            return
        }
        // The higher identifier keeps the connection it opened; equal identifiers (eBGP), the higher AS (RFC 6286 section 2.3).
        let local = (routerID.value, localAS), remote = (open.bgpIdentifier.value, open.autonomousSystem)
        let keepOurs = local > remote
        if keepOurs && channelIsOurs {
            logger.info("connection collision: keeping our connection", metadata: ["peer-id": "\(open.bgpIdentifier)"])
            send(.notification(.cease(.connectionCollisionResolution)), on: second, context: .beforeOpen)
            second.close(promise: nil)
            return
        }
        logger.info("connection collision: keeping the peer's connection", metadata: ["peer-id": "\(open.bgpIdentifier)"])
        handle(.openCollisionDump)
        execute(.stopTimer(.idleHold))
        fsm = secondFSM
        channel = second
        channelIsOurs = false
        actions.forEach(execute)
    }

    func received(_ raw: RawMessage, on channel: any Channel) {
        if let candidate, candidate.channel === channel {
            switch try? BGPMessage.decode(raw, context: .beforeOpen) {
            case .open(let open)?: resolveCollision(open)
            default:
                self.candidate = nil
                channel.close(promise: nil)
            }
            return
        }
        guard channel === self.channel else { return }
        let context = fsm.negotiated?.codec ?? .beforeOpen
        do {
            handle(.received(try BGPMessage.decode(raw, context: context)))
        } catch {
            handle(.decodeFailed(error))
        }
    }

    func framingFailed(_ error: BGPError, on channel: any Channel) {
        if candidate?.channel === channel { candidate = nil; channel.close(promise: nil); return }
        guard channel === self.channel else { return }
        handle(.decodeFailed(error))
    }

    func connectionClosed(_ channel: any Channel) {
        if candidate?.channel === channel { candidate = nil; return }
        guard channel === self.channel else { return }
        self.channel = nil
        handle(.tcpConnectionFails)
    }

    // MARK: - Executing the FSM's actions

    private func handle(_ event: SessionEvent) {
        eventLoop.preconditionInEventLoop()
        for action in fsm.handle(event) { execute(action) }
    }

    private func execute(_ action: SessionAction) {
        switch action {
        case .connect:
            connect()
        case .send(.notification) where silentStop:
            break
        case .send(let message):
            send(message)
        case .disconnect:
            if let channel {
                self.channel = nil
                channel.close(promise: nil)
            }
        case .startTimer(let timer, let duration):
            timers[timer]?.cancel()
            let attoseconds = duration.components.attoseconds / 1_000_000_000
            let delay = TimeAmount.nanoseconds(duration.components.seconds * 1_000_000_000 + attoseconds)
            timers[timer] = eventLoop.scheduleTask(in: delay) { [self] in
                timers[timer] = nil
                handle(.timerExpired(timer))
            }
        case .stopTimer(let timer):
            timers.removeValue(forKey: timer)?.cancel()
        case .stateChanged(let from, let to, let reason):
            since = .now
            logger.info("state \(from) -> \(to)", metadata: ["reason": "\(reason)"])
            emit(.stateChanged(peer: spec.address, from: from.rawValue, to: to.rawValue, reason: reason))
        case .established(let session):
            emit(.established(peer: spec.address, peerAS: session.peerAS, holdTime: session.holdTime,
                              families: session.families.sorted { ($0.afi.rawValue, $0.safi.rawValue) < ($1.afi.rawValue, $1.safi.rawValue) }))
            epoch += 1
            let local = channel?.localAddress.flatMap { $0.ipAddress.flatMap(IPAddress.init) }
            var v4: IPAddress? = spec.ipv4NextHop.map(IPAddress.v4), v6: IPAddress? = nil
            if case .v4? = local, v4 == nil { v4 = local }
            if case .v6? = local { v6 = local }
            if v6 == nil { v6 = spec.ipv6NextHop.map(IPAddress.v6) }
            let peer = EstablishedPeer(routerID: session.peerIdentifier, families: session.families, nextHopSelfV4: v4, nextHopSelfV6: v6,
                                       routeRefresh: session.routeRefresh, enhancedRouteRefresh: session.enhancedRouteRefresh,
                                       gracefulRestart: session.peerGracefulRestart)
            let address = spec.address, epoch = self.epoch
            rib.onLoop { $0.established(address, peer, epoch: epoch) }
        case .deliverUpdate(let update):
            apply(update)
        case .deliverRouteRefresh(let refresh):
            let address = spec.address
            rib.onLoop { $0.run { $0.routeRefresh(refresh, from: address) } }
        case .sessionDown(let reason, let keeps):
            logger.notice("session down", metadata: ["reason": "\(reason)", "graceful-restart": "\(keeps)"])
            let address = spec.address
            rib.onLoop { $0.run { $0.sessionDown(address, keepStale: keeps) } }
            emit(.sessionDown(peer: spec.address, reason: reason, keepsRoutes: keeps))
        }
    }

    private func connect() {
        let spec = self.spec
        let loop = eventLoop
        let external = isExternal
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(Int64(min(spec.connectRetryTime, 30))))
            .channelInitializer { [self] channel in
                var setup = channel.eventLoop.makeSucceededVoidFuture()
                if let password = spec.password {
                    setup = setup.flatMap { SocketSecurity.setMD5(password, peer: spec.address, on: channel) }
                }
                setup = setup.flatMap { SocketSecurity.applyTTL(spec, external: external, on: channel) }
                return setup.flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(BGPConnectionHandler(session: self, eventLoop: loop, inbound: false))
                }
            }
        if let local = spec.localAddress, let address = try? SocketAddress(ipAddress: "\(local)", port: 0) {
            bootstrap = bootstrap.bind(to: address)
        }
        bootstrap.connect(host: "\(spec.address)", port: spec.port).whenFailure { [self] error in
            guard fsm.state == .connect, channel == nil else { return }
            logger.debug("connect failed", metadata: ["error": "\(error)"])
            handle(.tcpConnectionFails)
        }
    }

    private func send(_ message: BGPMessage) {
        guard let channel else { return }
        send(message, on: channel, context: fsm.negotiated?.codec ?? .beforeOpen)
    }

    private func send(_ message: BGPMessage, on channel: any Channel, context: CodecContext) {
        var buffer = channel.allocator.buffer(capacity: 64)
        message.encode(into: &buffer, context: context)
        if case .notification(let n) = message { logger.notice("sending NOTIFICATION \(n)") }
        write(buffer, on: channel)
    }

    private func write(_ buffer: ByteBuffer, on channel: any Channel) {
        channel.writeAndFlush(buffer).whenSuccess { [self] in
            onLoop { session in
                guard channel === session.channel else { return }
                session.handle(.sendProgress)
            }
        }
    }

    // MARK: - Routes

    /// One UPDATE to the RIB: RFC 7606 outcomes reported, AS4_PATH merged, NLRI grouped by next
    /// hop (IPv4 NLRI use NEXT_HOP, MP_REACH_NLRI its own), all in one hop to the RIB's loop.
    private func apply(_ update: UpdateMessage) {
        for error in update.errors {
            logger.warning("malformed UPDATE handled by RFC 7606", metadata: ["action": "\(error.action)", "error": "\(error.reason)"])
            emit(.warning(peer: spec.address, message: "\(error.action): \(error.reason)"))
        }
        let address = spec.address
        if let family = update.endOfRIB {
            // Reported by the RIB once it has taken in everything the peer sent before it.
            rib.onLoop { $0.endOfRIB(family, from: address) }
            return
        }
        let withdrawn = update.withdrawnPrefixes
        var shared = update.attributes.propagated()
        // From a 2-octet speaker the real path is AS_PATH merged with AS4_PATH (RFC 6793 section 4.2.3).
        if let as4 = shared.as4Path, fsm.negotiated?.codec.fourOctetAS == false {
            shared.set(.asPath((shared.asPath ?? .empty).reconstructed(with: as4)))
            shared.remove(.as4Path)
        }
        var groups: [RouteGroup] = []
        if !update.isTreatAsWithdraw {
            if !update.nlri.isEmpty {
                let nh = update.attributes.nextHop.map(IPAddress.v4)
                groups.append(RouteGroup(attributes: RouteAttributes(attributes: shared, nextHop: nh), prefixes: update.nlri.map(IPPrefix.v4)))
            }
            if let reach = update.attributes.mpReachNLRI, !reach.nlri.prefixes.isEmpty {
                let nh: IPAddress?
                switch reach.nextHop {
                case .ipv4(let a): nh = .v4(a)
                case .ipv6(let g, _): nh = .v6(g)
                default: nh = update.attributes.nextHop.map(IPAddress.v4)
                }
                groups.append(RouteGroup(attributes: RouteAttributes(attributes: shared, nextHop: nh), prefixes: reach.nlri.prefixes))
            }
        }
        if reportsReceivedRoutes, !groups.isEmpty || !withdrawn.isEmpty {
            let announced = groups.flatMap { g in g.prefixes.map { ReceivedRoute(prefix: $0, nextHop: g.attributes.nextHop, attributes: shared) } }
            emit(.routes(peer: address, announced: announced, withdrawn: withdrawn))
        }
        guard !groups.isEmpty || !withdrawn.isEmpty else { return }
        let batch = groups
        rib.onLoop { $0.run { $0.received(withdrawn: withdrawn, announced: batch, from: address) } }
    }

    /// What the RIB has for this peer, encoded with the session's codec. Dropped when it was meant
    /// for an earlier session (`epoch`) or the session is no longer Established.
    func deliver(_ messages: [PeerMessage], epoch: Int) {
        guard epoch == self.epoch, fsm.state == .established, let session = fsm.negotiated, let channel else { return }
        var buffer = channel.allocator.buffer(capacity: 4096)
        var updates = false
        func flush() {
            guard buffer.readableBytes > 0 else { return }
            write(buffer, on: channel)
            buffer = channel.allocator.buffer(capacity: 4096)
        }
        for message in messages {
            switch message {
            case .update(let out):
                encode(out, session: session, into: &buffer)
                updates = true
            case .endOfRIB(let family):
                BGPMessage.update(.endOfRIB(family)).encode(into: &buffer, context: session.codec)
            case .routeRefresh(let refresh):
                BGPMessage.routeRefresh(refresh).encode(into: &buffer, context: session.codec)
            case .maximumPrefixExceeded(let family, let limit):
                flush()
                logger.warning("maximum-prefix limit exceeded", metadata: ["limit": "\(limit)"])
                handle(.prefixLimitExceeded(family, limit: limit))
                return
            case .reset(let reason):
                flush()
                logger.notice("resetting the session: \(reason)")
                handle(.automaticStop(.administrativeReset))
                return
            }
        }
        flush()
        if updates { handle(.updateSent) }
    }

    /// Withdrawals first, then announcements; toward a 2-octet speaker, ASes over 65535 travel as
    /// AS_TRANS plus AS4_PATH (RFC 6793 section 4.2.2).
    private func encode(_ out: OutboundUpdate, session: NegotiatedSession, into buffer: inout ByteBuffer) {
        let packer = UpdatePacker(context: session.codec)
        if !out.withdrawn.isEmpty {
            packer.withdraw(ipv4: out.withdrawn.compactMap { if case .v4(let p) = $0 { p } else { nil } }, into: &buffer)
            packer.withdraw(ipv6: out.withdrawn.compactMap { if case .v6(let p) = $0 { p } else { nil } }, into: &buffer)
        }
        for var group in out.announcements {
            if !session.codec.fourOctetAS, let path = group.attributes.asPath, path.needsFourOctets { group.attributes.set(.as4Path(path)) }
            do { try packer.announce(group, into: &buffer) } catch {
                emit(.warning(peer: spec.address, message: "\(error)"))
            }
        }
    }
}
