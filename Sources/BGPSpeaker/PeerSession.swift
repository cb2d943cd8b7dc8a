import Logging
import NIOCore
import NIOPosix
import BGPCore
import BGPWire
import IPAddressing

/// One peering: the RFC 4271 FSM and the connection, timers and Adj-RIB-In it drives.
///
/// Confined to `eventLoop`: every method runs there (callers hop with `onLoop`). The FSM decides,
/// this class executes its actions: connect, send, close, start and stop timers, report.
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
    private var originated: [OriginatedRoute] = []
    private var advertised: Set<IPPrefix> = []
    private(set) var adjRIBIn: [IPPrefix: ReceivedRoute] = [:]
    private(set) var since: ContinuousClock.Instant = .now
    private let emit: @Sendable (SpeakerEvent) -> Void
    private let logger: Logger

    init(spec: PeerSpec, configuration: SpeakerConfiguration, eventLoop: any EventLoop, logger: Logger,
         emit: @escaping @Sendable (SpeakerEvent) -> Void) {
        self.spec = spec
        self.eventLoop = eventLoop
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
    var advertisedCount: Int { advertised.count }

    func start() { handle(spec.passive ? .startPassive : .start) }

    func stop(message: String?) { handle(.manualStop(message: message)) }

    /// Replaces the routes we originate; an Established session announces and withdraws the difference.
    func setOriginated(_ routes: [OriginatedRoute]) {
        let old = Set(originated)
        originated = routes
        guard fsm.state == .established, let session = fsm.negotiated else { return }
        // Withdraw only prefixes no longer originated at all; a changed route is re-announced below.
        let kept = Set(routes.map(\.prefix))
        sendWithdrawals(Array(Set(old.map(\.prefix)).subtracting(kept)), session: session)
        sendAnnouncements(routes.filter { !old.contains($0) }, session: session)
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
            advertised = []
            sendAnnouncements(originated, session: session)
            for family in session.families.sorted(by: { $0.afi.rawValue < $1.afi.rawValue }) {
                send(.update(.endOfRIB(family)))
            }
        case .deliverUpdate(let update):
            apply(update)
        case .deliverRouteRefresh(let refresh):
            guard let session = fsm.negotiated else { return }
            // RFC 2918: re-advertise the family; RFC 7313: between BoRR and EoRR when both support it.
            if session.enhancedRouteRefresh { send(.routeRefresh(RouteRefreshMessage(family: refresh.family, subtype: .beginningOfRouteRefresh))) }
            sendAnnouncements(originated.filter { refresh.family.afi == ($0.prefix.isIPv4 ? .ipv4 : .ipv6) }, session: session)
            if session.enhancedRouteRefresh { send(.routeRefresh(RouteRefreshMessage(family: refresh.family, subtype: .endOfRouteRefresh))) }
        case .sessionDown(let reason, let keeps):
            logger.notice("session down", metadata: ["reason": "\(reason)", "graceful-restart": "\(keeps)"])
            if !keeps {
                let gone = Array(adjRIBIn.keys)
                adjRIBIn = [:]
                if !gone.isEmpty { emit(.routes(peer: spec.address, announced: [], withdrawn: gone)) }
            }
            advertised = []
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

    private func apply(_ update: UpdateMessage) {
        for error in update.errors {
            logger.warning("malformed UPDATE handled by RFC 7606", metadata: ["action": "\(error.action)", "error": "\(error.reason)"])
            emit(.warning(peer: spec.address, message: "\(error.action): \(error.reason)"))
        }
        if let family = update.endOfRIB {
            emit(.endOfRIB(peer: spec.address, family: family))
            return
        }
        let withdrawn = update.withdrawnPrefixes
        for p in withdrawn { adjRIBIn[p] = nil }
        var announced: [ReceivedRoute] = []
        var shared = update.attributes.propagated()
        // From a 2-octet speaker the real path is AS_PATH merged with AS4_PATH (RFC 6793 section 4.2.3).
        if let as4 = shared.as4Path, fsm.negotiated?.codec.fourOctetAS == false {
            shared.set(.asPath((shared.asPath ?? .empty).reconstructed(with: as4)))
            shared.remove(.as4Path)
        }
        for p in update.announcedPrefixes {
            let nextHop: IPAddress?
            if case .v4 = p, let nh = update.attributes.nextHop, !update.nlri.isEmpty {
                nextHop = .v4(nh)
            } else {
                switch update.attributes.mpReachNLRI?.nextHop {
                case .ipv4(let a)?: nextHop = .v4(a)
                case .ipv6(let g, _)?: nextHop = .v6(g)
                default: nextHop = update.attributes.nextHop.map(IPAddress.v4)
                }
            }
            let route = ReceivedRoute(prefix: p, nextHop: nextHop, attributes: shared)
            adjRIBIn[p] = route
            announced.append(route)
        }
        if !announced.isEmpty || !withdrawn.isEmpty {
            emit(.routes(peer: spec.address, announced: announced, withdrawn: withdrawn))
        }
        if let limit = spec.maxPrefixes, adjRIBIn.count > Int(limit), let last = announced.last {
            logger.warning("maximum-prefix limit exceeded", metadata: ["limit": "\(limit)", "received": "\(adjRIBIn.count)"])
            handle(.prefixLimitExceeded(last.prefix.isIPv4 ? .ipv4Unicast : .ipv6Unicast, limit: limit))
        }
    }

    /// Builds and sends UPDATEs for `routes` as this peer should see them (RFC 4271 section 5.1:
    /// eBGP gets our AS prepended and us as next hop; iBGP gets LOCAL_PREF).
    private func sendAnnouncements(_ routes: [OriginatedRoute], session: NegotiatedSession) {
        guard let channel, !routes.isEmpty else { return }
        let external = session.codec.externalPeer
        let local = channel.localAddress.flatMap { $0.ipAddress.flatMap(IPAddress.init) }
        var grouped: [(prefix: IPPrefix, attributes: PathAttributes, nextHop: NextHop?)] = []
        for route in routes {
            let path = external ? ASPath(sequence: [localAS]) : ASPath.empty
            var a = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(path))])
            // Toward a 2-octet speaker, ASes over 65535 travel as AS_TRANS plus AS4_PATH (RFC 6793 section 4.2.2).
            if !session.codec.fourOctetAS, path.needsFourOctets { a.set(.as4Path(path)) }
            if !external { a.set(.localPref(100)) }
            if !route.communities.isEmpty { a.set(.communities(route.communities)) }
            if !route.largeCommunities.isEmpty { a.set(.largeCommunities(route.largeCommunities)) }
            switch route.prefix {
            case .v4:
                guard session.families.contains(.ipv4Unicast) else { continue }
                let nh: IPv4Address
                if let configured = spec.ipv4NextHop { nh = configured } else if case .v4(let l)? = local { nh = l } else {
                    emit(.warning(peer: spec.address, message: "no IPv4 next hop for \(route.prefix) on an IPv6 session: set next-hop= on the peer")); continue
                }
                a.set(.nextHop(nh))
                grouped.append((route.prefix, a, nil))
            case .v6:
                guard session.families.contains(.ipv6Unicast) else { continue }
                let nh: IPv6Address
                if case .v6(let l)? = local { nh = l } else if let configured = spec.ipv6NextHop { nh = configured } else {
                    emit(.warning(peer: spec.address, message: "no IPv6 next hop for \(route.prefix): set next-hop6= on the peer")); continue
                }
                grouped.append((route.prefix, a, .ipv6(nh, linkLocal: nil)))
            }
        }
        var buffer = channel.allocator.buffer(capacity: 4096)
        let packer = UpdatePacker(context: session.codec)
        for group in UpdatePacker.group(grouped) {
            do { try packer.announce(group, into: &buffer) } catch {
                emit(.warning(peer: spec.address, message: "\(error)")); continue
            }
            advertised.formUnion(group.ipv4.map(IPPrefix.v4) + group.ipv6.map(IPPrefix.v6))
        }
        if buffer.readableBytes > 0 {
            write(buffer, on: channel)
            handle(.updateSent)
        }
    }

    private func sendWithdrawals(_ prefixes: [IPPrefix], session: NegotiatedSession) {
        guard let channel, !prefixes.isEmpty else { return }
        var buffer = channel.allocator.buffer(capacity: 1024)
        let packer = UpdatePacker(context: session.codec)
        packer.withdraw(ipv4: prefixes.compactMap { if case .v4(let p) = $0 { p } else { nil } }, into: &buffer)
        packer.withdraw(ipv6: prefixes.compactMap { if case .v6(let p) = $0 { p } else { nil } }, into: &buffer)
        advertised.subtract(prefixes)
        write(buffer, on: channel)
        handle(.updateSent)
    }
}

extension IPPrefix {
    var isIPv4: Bool { if case .v4 = self { true } else { false } }
}
