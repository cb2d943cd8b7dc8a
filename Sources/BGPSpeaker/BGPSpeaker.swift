public import Logging
public import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import BGPCore
import BGPWire
public import IPAddressing

/// A BGP-4 speaker: a listener, one session per configured peer, and the routes it originates.
///
/// Each peer's session is pinned to one event loop of `group`; a slow peer only ever delays its own
/// loop's work. Events come out of `events`, in order per peer.
public final class BGPSpeaker: Sendable {
    public let configuration: SpeakerConfiguration
    public let events: AsyncStream<SpeakerEvent>
    private let continuation: AsyncStream<SpeakerEvent>.Continuation
    private let group: any EventLoopGroup
    private let sessions: [IPAddress: PeerSession]
    private let server = NIOLockedValueBox<(any Channel)?>(nil)
    private let logger: Logger

    public init(configuration: SpeakerConfiguration, group: any EventLoopGroup, logger: Logger = Logger(label: "routed.bgp")) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        let (stream, continuation) = AsyncStream<SpeakerEvent>.makeStream(bufferingPolicy: .unbounded)
        self.events = stream
        self.continuation = continuation
        var sessions: [IPAddress: PeerSession] = [:]
        for peer in configuration.peers {
            sessions[peer.address] = PeerSession(spec: peer, configuration: configuration, eventLoop: group.next(),
                                                 logger: logger, emit: { continuation.yield($0) })
        }
        self.sessions = sessions
    }

    /// Binds the listener (if configured), installs the peers' MD5 keys on it, and starts every session.
    public func start() async throws {
        if let address = configuration.listenAddress {
            let sessions = self.sessions
            let logger = self.logger
            let continuation = self.continuation
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    guard let remote = channel.remoteAddress?.ipAddress.flatMap(IPAddress.init), let session = sessions[remote] else {
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
        for session in sessions.values { session.onLoop { $0.start() } }
    }

    /// Sets the routes this speaker originates; Established sessions announce and withdraw the difference.
    public func originate(_ routes: [OriginatedRoute]) {
        for session in sessions.values { session.onLoop { $0.setOriginated(routes) } }
    }

    /// Stops every session with a Cease/Administrative Shutdown carrying `message` (RFC 9003),
    /// then closes the listener and ends `events`.
    public func shutdown(message: String? = nil) async {
        await withTaskGroup(of: Void.self) { tasks in
            for session in sessions.values {
                tasks.addTask {
                    try? await session.eventLoop.submit { session.stop(message: message) }.get()
                }
            }
        }
        // Let the NOTIFICATIONs leave before the sockets go.
        try? await Task.sleep(for: .milliseconds(100))
        if let channel = server.withLockedValue({ $0 }) { try? await channel.close() }
        continuation.finish()
    }

    /// The peers as `routed status` shows them.
    public func status() async -> [PeerStatus] {
        var out: [PeerStatus] = []
        for session in sessions.values {
            if let s = try? await session.eventLoop.submit({
                PeerStatus(address: session.spec.address, remoteAS: session.peerAS, state: session.state.rawValue,
                           since: session.since, received: session.adjRIBIn.count, advertised: session.advertisedCount,
                           lastError: session.lastError)
            }).get() { out.append(s) }
        }
        return out.sorted { $0.address < $1.address }
    }

    /// The routes received from `peer` (its Adj-RIB-In).
    public func receivedRoutes(from peer: IPAddress) async throws -> [ReceivedRoute] {
        guard let session = sessions[peer] else { throw SpeakerError.unknownPeer("\(peer)") }
        return try await session.eventLoop.submit { Array(session.adjRIBIn.values) }.get()
    }
}

/// One line of `routed status`.
public struct PeerStatus: Sendable, Hashable {
    public var address: IPAddress
    public var remoteAS: UInt32
    public var state: String
    public var since: ContinuousClock.Instant
    public var received: Int
    public var advertised: Int
    public var lastError: String?
}
