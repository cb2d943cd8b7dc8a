public import AgentAPI
public import BGPCore
public import BGPSpeaker
public import BGPWire
import Foundation
public import IPAddressing
public import IPAM
public import Logging
public import NIOCore

/// `RoutingSpeaker` over today's `BGPSpeaker`, whose peers are fixed at creation and which keeps
/// no Loc-RIB: its `events` feed a `PeerRIB` here. A peer added at run time gets a speaker of its
/// own that only connects out (the main speaker's listener refuses it), so no other session
/// restarts; removing it stops that speaker. Removing a configured peer, or adding a `passive`
/// one (which needs the listener), rebuilds the main speaker: its sessions restart.
///
/// REPLACE when the RIB lands in BGPSpeaker: `ribChanges` gives `bestRouteChanges`,
/// `routes(prefix:)`/`status()` give the listings, `addPeer`/`removePeer` keep the other sessions,
/// `shutdown(message:preserveForwarding:)`, and per-peer `export=` (today every peer is sent
/// every originated route: our blocks).
public actor BGPSpeakerAdapter: RoutingSpeaker {
    public struct Settings: Sendable {
        public var localAS: UInt32
        public var routerID: IPv4Address
        public var listenAddress: IPAddress?
        public var listenPort: Int
        public var gracefulRestart: GracefulRestartCapability?
        public init(localAS: UInt32, routerID: IPv4Address, listenAddress: IPAddress?, listenPort: Int,
                    gracefulRestart: GracefulRestartCapability?) {
            self.localAS = localAS; self.routerID = routerID; self.listenAddress = listenAddress
            self.listenPort = listenPort; self.gracefulRestart = gracefulRestart
        }
    }

    let settings: Settings
    let group: any EventLoopGroup
    let logger: Logger
    var rib: PeerRIB
    var speaker: BGPSpeaker?
    var eventTask: Task<Void, Never>?
    /// Peers added at run time, each with its own connect-only speaker.
    var added: [IPAddress: (speaker: BGPSpeaker, task: Task<Void, Never>, id: Int)] = [:]
    var originated: [OriginatedRoute] = []
    /// Identifies the speaker an event came from: the main one (`mainID`) or one in `added`.
    var lastSpeakerID = 0
    var mainID = 0
    public nonisolated let bestRouteChanges: AsyncStream<[RIBChange]>
    let changes: AsyncStream<[RIBChange]>.Continuation

    public init(settings: Settings, peers: [AgentPeer], pools: [Pool], routePolicies: [String: [PrefixMatch]],
                group: any EventLoopGroup, logger: Logger) throws {
        self.settings = settings
        self.group = group
        self.logger = logger
        var rib = PeerRIB(localAS: settings.localAS, routerID: settings.routerID, pools: pools, routePolicies: routePolicies)
        for p in peers { try rib.addPeer(p, at: Date()) }
        self.rib = rib
        (bestRouteChanges, changes) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    public func start() async throws { try await rebuild() }

    /// A new main `BGPSpeaker` (the listener and every peer not added at run time); the old one
    /// (if any) is stopped first.
    func rebuild() async throws {
        if let old = speaker {
            eventTask?.cancel()
            await old.shutdown(message: "peer configuration changed")
        }
        lastSpeakerID += 1
        mainID = lastSpeakerID
        let peers = rib.peers.values.map(\.peer.spec).filter { added[$0.address] == nil }.sorted { $0.address < $1.address }
        let (s, task) = make(peers: peers, listen: true, id: mainID)
        speaker = s
        eventTask = task
        do { try await s.start() } catch { throw RoutingError.speaker("\(error)") }
    }

    func make(peers: [PeerSpec], listen: Bool, id: Int) -> (BGPSpeaker, Task<Void, Never>) {
        let config = SpeakerConfiguration(localAS: settings.localAS, routerID: settings.routerID,
                                          listenAddress: listen ? settings.listenAddress : nil, listenPort: settings.listenPort,
                                          peers: peers, gracefulRestart: settings.gracefulRestart)
        let s = BGPSpeaker(configuration: config, group: group, logger: logger)
        s.originate(originated)
        let task = Task { [weak self] in
            for await event in s.events {
                guard let self else { return }
                await self.handle(event, from: id)
            }
        }
        return (s, task)
    }

    func handle(_ event: SpeakerEvent, from id: Int) {
        guard id == mainID || added.values.contains(where: { $0.id == id }) else { return }
        let now = Date()
        var out: [RIBChange] = []
        switch event {
        case .listening(let a):
            logger.info("BGP listening", metadata: ["address": "\(a)"])
        case let .stateChanged(peer, from, to, reason):
            rib.stateChanged(peer, to: to, reason: reason, at: now)
            if to == "Established" || from == "Established" {
                logger.notice("BGP session \(from) → \(to)", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
            }
        case .established:
            break
        case let .routes(peer, announced, withdrawn):
            out = rib.learn(from: peer, announced: announced, withdrawn: withdrawn)
        case .endOfRIB(let peer, _):
            out = rib.endOfRIB(peer)
        case let .sessionDown(peer, reason, keeps):
            out = rib.sessionDown(peer, reason: reason, keepsRoutes: keeps)
        case let .warning(peer, message):
            logger.warning("BGP: \(message)", metadata: ["peer": "\(peer.map { "\($0)" } ?? "-")"])
        }
        if !out.isEmpty { changes.yield(out) }
    }

    public func originate(_ routes: [OriginatedRoute]) async {
        originated = routes
        speaker?.originate(routes)
        for a in added.values { a.speaker.originate(routes) }
    }

    public func routes(prefix: IPPrefix?) async -> [RouteInfo] {
        var local = originated.filter { prefix == nil || $0.prefix == prefix }.map { r in
            RouteInfo(prefix: "\(r.prefix)", nextHops: [], from: "local", asPath: "", origin: "IGP", localPref: nil, med: nil,
                      communities: r.communities.map(\.description), largeCommunities: r.largeCommunities.map(\.description),
                      best: true, reason: "originated", network: nil)
        }
        local += rib.routeInfos(prefix: prefix, networkNames: [:])   // the agent names the networks
        return local
    }

    public func peers() async -> [PeerInfo] {
        var advertised: [IPAddress: Int] = [:]
        for s in await speaker?.status() ?? [] { advertised[s.address] = s.advertised }
        for a in added.values { for s in await a.speaker.status() { advertised[s.address] = s.advertised } }
        return rib.peerInfos(advertised: advertised)
    }

    public func converged() async -> Bool { rib.converged }

    public func addPeer(_ peer: AgentPeer) async throws {
        do { try rib.addPeer(peer, at: Date()) } catch { throw error }
        guard !peer.spec.passive else { return try await rebuild() }
        lastSpeakerID += 1
        let (s, task) = make(peers: [peer.spec], listen: false, id: lastSpeakerID)
        added[peer.address] = (s, task, lastSpeakerID)
        do { try await s.start() } catch { throw RoutingError.speaker("\(error)") }
    }

    public func removePeer(_ address: IPAddress) async throws {
        let out: [RIBChange]
        do { out = try rib.removePeer(address) } catch { throw error }
        if !out.isEmpty { changes.yield(out) }
        if let a = added.removeValue(forKey: address) {
            a.task.cancel()
            await a.speaker.shutdown(message: "peer removed")
        } else {
            try await rebuild()
        }
    }

    public func shutdown(message: String, preserveForwarding: Bool) async {
        eventTask?.cancel()
        // Today's speaker can only Cease: with preserved forwarding the process exits and the
        // sockets close without a NOTIFICATION, which RFC 4724 peers treat as a restart.
        for a in added.values { a.task.cancel() }
        if !preserveForwarding {
            await speaker?.shutdown(message: message)
            for a in added.values { await a.speaker.shutdown(message: message) }
        }
        changes.finish()
    }
}
