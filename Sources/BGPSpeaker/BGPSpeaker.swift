public import Logging
public import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
public import BGPCore
import BGPWire
public import IPAddressing

/// A BGP-4 speaker: a listener, one session per peer, and ONE RIB that every session feeds.
///
/// Each peer's session is pinned to one event loop of `group`; a slow peer only ever delays its own
/// loop's work. The RIB (`SpeakerRIB`) lives on one loop of its own choosing: a session hands it
/// each UPDATE as one batch; it applies import policy, selects best paths, and sends each
/// Established peer what changed for it through `Export` and the export policy. Events come out of
/// `events` in order per peer; Loc-RIB changes come out of `ribChanges`.
public final class BGPSpeaker: Sendable {
    public let configuration: SpeakerConfiguration
    public let events: AsyncStream<SpeakerEvent>
    /// Every change of the Loc-RIB, one batch per RIB step (one UPDATE, one session going down…):
    /// the FIB reconciler and the policy memberships consume it. Unbounded: it never holds up a
    /// session; turn it off with `SpeakerConfiguration.publishesRIBChanges` when nothing reads it.
    public let ribChanges: AsyncStream<RIBChanges>
    private let continuation: AsyncStream<SpeakerEvent>.Continuation
    private let group: any EventLoopGroup
    private let sessions: NIOLockedValueBox<[IPAddress: PeerSession]>
    private let rib: RIBLoop
    private let server = NIOLockedValueBox<(any Channel)?>(nil)
    private let logger: Logger
    /// Route policies defined or redefined at run time (`definePolicy`), over the configuration's.
    private let definedPolicies = NIOLockedValueBox<[String: RoutePolicy]>([:])

    /// The configuration with the policies defined at run time: what peer settings resolve against.
    private var current: SpeakerConfiguration {
        var c = configuration
        c.policies.merge(definedPolicies.withLockedValue { $0 }) { _, defined in defined }
        return c
    }

    public init(configuration: SpeakerConfiguration, group: any EventLoopGroup, logger: Logger = Logger(label: "routed.bgp")) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        let (stream, continuation) = AsyncStream<SpeakerEvent>.makeStream(bufferingPolicy: .unbounded)
        self.events = stream
        self.continuation = continuation
        let (changes, changeContinuation) = AsyncStream<RIBChanges>.makeStream(bufferingPolicy: .unbounded)
        self.ribChanges = changes
        if !configuration.publishesRIBChanges { changeContinuation.finish() }
        let emit: @Sendable (SpeakerEvent) -> Void = { continuation.yield($0) }
        let rib = RIBLoop(core: SpeakerRIB(identity: configuration.identity, options: configuration.decisionOptions),
                          eventLoop: group.next(), changes: configuration.publishesRIBChanges ? changeContinuation : nil,
                          logger: logger, emit: emit)
        self.rib = rib
        var sessions: [IPAddress: PeerSession] = [:]
        for peer in configuration.peers {
            // An unknown policy name refuses `start()`; until then the peer takes RFC 8212's default.
            let settings = (try? configuration.ribSettings(for: peer)) ?? Self.fallbackSettings(peer, configuration)
            let session = PeerSession(spec: peer, configuration: configuration, eventLoop: group.next(), rib: rib,
                                      logger: logger, emit: emit)
            sessions[peer.address] = session
            rib.onLoop { $0.attach(session, settings: settings) }
        }
        self.sessions = NIOLockedValueBox(sessions)
    }

    private static func fallbackSettings(_ peer: PeerSpec, _ configuration: SpeakerConfiguration) -> RIBPeerSettings {
        let asn = peer.remoteAS ?? configuration.localAS
        return RIBPeerSettings(address: peer.address, asn: asn, isExternal: asn != configuration.localAS,
                               importPolicy: .none, exportPolicy: .none)
    }

    /// Checks the configuration (policy names, duplicate peers), binds the listener (if
    /// configured), installs the peers' MD5 keys on it, and starts every session.
    public func start() async throws {
        try configuration.validate()
        if let address = configuration.listenAddress {
            let sessions = self.sessions
            let logger = self.logger
            let continuation = self.continuation
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    guard let remote = channel.remoteAddress?.ipAddress.flatMap(IPAddress.init),
                          let session = sessions.withLockedValue({ $0[remote] }) else {
                        let who = channel.remoteAddress.map { "\($0)" } ?? "unknown"
                        logger.notice("refusing connection from an unconfigured peer", metadata: ["remote": "\(who)"])
                        continuation.yield(.warning(peer: nil, message: "refused connection from unconfigured \(who)"))
                        return channel.close()
                    }
                    return SocketSecurity.applyTTL(session.spec, external: session.isExternal, on: channel).flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(BGPConnectionHandler(session: session, eventLoop: channel.eventLoop, inbound: true))
                    }
                }
            let channel: any Channel
            do {
                channel = try await bootstrap.bind(host: "\(address)", port: configuration.listenPort).get()
            } catch {
                throw SpeakerError.listen("\(address) port \(configuration.listenPort)", "\(error)")
            }
            for peer in configuration.peers {
                if let password = peer.password {
                    try await SocketSecurity.setMD5(password, peer: peer.address, on: channel).get()
                }
            }
            server.withLockedValue { $0 = channel }
            let bound = channel.localAddress.map { "\($0)" } ?? "\(address)"
            logger.info("listening", metadata: ["address": "\(bound)"])
            continuation.yield(.listening(address: bound))
        }
        for session in sessions.withLockedValue({ Array($0.values) }) { session.onLoop { $0.start() } }
    }

    /// Sets the routes this speaker originates (paths of the local pseudo-peer in the Loc-RIB);
    /// Established peers are sent the difference their export policies let through.
    public func originate(_ routes: [OriginatedRoute]) {
        rib.onLoop { $0.run { $0.originate(routes) } }
    }

    /// `originate(_:)`, returning once the RIB holds the routes: for a speaker that has its table
    /// before its sessions start (`routed bgp-speaker --originate-file`), so a peer that comes up
    /// gets the table rather than waiting for it to be built.
    public func originateBeforeStart(_ routes: [OriginatedRoute]) async throws {
        try await rib.eventLoop.submit { self.rib.run { $0.originate(routes) } }.get()
    }

    /// Next-hop reachability and IGP costs from the kernel's routes (see `LocRIB.setNextHopCosts`).
    public func setNextHopCosts(_ costs: [IPAddress: UInt32]?) {
        rib.onLoop { $0.run { $0.setNextHopCosts(costs) } }
    }

    /// Adds a peer at run time (its MD5 key goes on the listener first) and starts its session.
    public func addPeer(_ peer: PeerSpec) async throws {
        var check = current
        check.peers = sessions.withLockedValue { $0.values.map(\.spec) } + [peer]
        try check.validate()
        let settings = try current.ribSettings(for: peer)
        if let password = peer.password, let channel = server.withLockedValue({ $0 }) {
            try await SocketSecurity.setMD5(password, peer: peer.address, on: channel).get()
        }
        let emit: @Sendable (SpeakerEvent) -> Void = { [continuation] in continuation.yield($0) }
        let session = PeerSession(spec: peer, configuration: configuration, eventLoop: group.next(), rib: rib, logger: logger, emit: emit)
        sessions.withLockedValue { $0[peer.address] = session }
        try await rib.eventLoop.submit { self.rib.attach(session, settings: settings) }.get()
        session.onLoop { $0.start() }
    }

    /// Removes a peer at run time: Cease/Peer De-configured (RFC 4486), its routes leave the Loc-RIB.
    public func removePeer(_ address: IPAddress) async throws {
        guard let session = sessions.withLockedValue({ $0.removeValue(forKey: address) }) else {
            throw SpeakerConfigurationError.unknownPeer(address)
        }
        try await session.eventLoop.submit { session.stop(.peerDeconfigured) }.get()
        try await rib.eventLoop.submit { self.rib.detach(address) }.get()
    }

    /// Changes a peer's route policies at run time (names as in `import=`/`export=`). A new import
    /// policy asks the peer to send its routes again (ROUTE-REFRESH); a new export policy sends the
    /// difference.
    public func setPolicies(of address: IPAddress, import importName: String?, export exportName: String?) async throws {
        guard var spec = sessions.withLockedValue({ $0[address]?.spec }) else { throw SpeakerConfigurationError.unknownPeer(address) }
        spec.importPolicy = importName
        spec.exportPolicy = exportName
        let settings = try current.ribSettings(for: spec)
        try await rib.eventLoop.submit { self.rib.run { $0.setPeer(settings) } }.get()
    }

    /// Defines (or redefines) the route policy `name` at run time, e.g. the agent's `blocks` (the
    /// prefixes this host originates) when it claims a block. Every peer whose `import=`/`export=`
    /// names it takes the new policy at once, as with `setPolicies`.
    public func definePolicy(_ name: String, _ policy: RoutePolicy) async throws {
        definedPolicies.withLockedValue { $0[name] = policy }
        let config = current
        for spec in sessions.withLockedValue({ $0.values.map(\.spec) }) where spec.importPolicy == name || spec.exportPolicy == name {
            let settings = try config.ribSettings(for: spec)
            try await rib.eventLoop.submit { self.rib.run { $0.setPeer(settings) } }.get()
        }
    }

    /// Stops every session, closes the listener and ends `events` and `ribChanges`. By default each
    /// peer gets a Cease/Administrative Shutdown carrying `message` (RFC 9003) and drops our routes.
    /// With `preserveForwarding`, the connections just close, as in a crash: peers that negotiated
    /// graceful restart keep our routes (stale) until we are back (RFC 4724 section 4.2).
    public func shutdown(message: String? = nil, preserveForwarding: Bool = false) async {
        let all = sessions.withLockedValue { Array($0.values) }
        await withTaskGroup(of: Void.self) { tasks in
            for session in all {
                tasks.addTask {
                    try? await session.eventLoop.submit { session.stop(message: message, silently: preserveForwarding) }.get()
                }
            }
        }
        // Let the NOTIFICATIONs leave before the sockets go.
        try? await Task.sleep(for: .milliseconds(100))
        if let channel = server.withLockedValue({ $0 }) { try? await channel.close() }
        try? await rib.eventLoop.submit { self.rib.finish() }.get()
        continuation.finish()
    }

    /// The peers as `routed status` shows them.
    public func status() async -> [PeerStatus] {
        var out: [PeerStatus] = []
        for session in sessions.withLockedValue({ Array($0.values) }) {
            guard var s = try? await session.eventLoop.submit({
                PeerStatus(address: session.spec.address, remoteAS: session.peerAS, state: session.state.rawValue,
                           since: session.since, type: session.spec.reflectorClient ? .reflectorClient : (session.isExternal ? .external : .internal),
                           received: 0, accepted: 0, advertised: 0, lastError: session.lastError)
            }).get() else { continue }
            let address = s.address
            if let counts = try? await rib.read({ $0.counts(of: address) }) {
                s.received = counts.received
                s.accepted = counts.accepted
                s.advertised = counts.advertised
            }
            out.append(s)
        }
        return out.sorted { $0.address < $1.address }
    }

    /// The Loc-RIB as `routed routes` shows it: every path of `prefix` (or of every prefix), the
    /// selected one first with the reason it won.
    public func routes(prefix: IPPrefix? = nil) async -> [RIBRoute] {
        (try? await rib.read { $0.routes(prefix) }) ?? []
    }

    /// The routes from `peer` in the Loc-RIB (its Adj-RIB-In after import policy).
    public func receivedRoutes(from peer: IPAddress) async throws -> [ReceivedRoute] {
        guard sessions.withLockedValue({ $0[peer] != nil }) else { throw SpeakerError.unknownPeer("\(peer)") }
        return try await rib.read { rib in
            rib.routes().filter { !$0.path.peer.isLocal && $0.path.peer.address == peer }.map {
                ReceivedRoute(prefix: $0.path.prefix, nextHop: $0.path.attributes.nextHop, attributes: $0.path.attributes.attributes)
            }
        }
    }
}

/// One line of `routed status`.
public struct PeerStatus: Sendable, Hashable {
    public enum PeerType: String, Sendable, Hashable {
        case external = "eBGP", `internal` = "iBGP", reflectorClient = "iBGP rr-client"
    }
    public var address: IPAddress
    public var remoteAS: UInt32
    public var state: String
    public var since: ContinuousClock.Instant
    public var type: PeerType
    /// Prefixes the peer announced in this session (re-announcements count again).
    public var received: Int
    /// Its paths in the Loc-RIB after import policy.
    public var accepted: Int
    /// Prefixes in its Adj-RIB-Out.
    public var advertised: Int
    public var lastError: String?
}
