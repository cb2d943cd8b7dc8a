public import AgentAPI
public import BGPCore
public import BGPSpeaker
public import BGPWire
import Foundation
public import IPAddressing
public import IPAM
public import Logging
public import NIOCore

/// `RoutingSpeaker` over today's `BGPSpeaker`, whose peers are fixed at creation, which keeps no
/// Loc-RIB and which sends every peer the same originated routes. So the adapter runs several:
/// - the main speaker: the listener, and the configured peers exporting `blocks` (the iBGP
///   default) or `passive` (they need the listener);
/// - one connect-only speaker per other export policy (`aggregates` to gateways, `all`, `none`,
///   named lists), each sent only what its policy passes;
/// - one connect-only speaker per peer added at run time, so adding or removing it restarts no
///   other session (a `passive` one, or removing a configured peer, rebuilds the main speaker).
/// Their `events` feed one `PeerRIB`. A connect-only speaker's peer must accept our connection:
/// the main listener refuses its own attempts (it is not configured there).
///
/// REPLACE when the RIB lands in BGPSpeaker: `ribChanges` gives `bestRouteChanges`,
/// `routes(prefix:)`/`status()` the listings, `addPeer`/`removePeer` keep the other sessions,
/// per-peer `export=` and `shutdown(message:preserveForwarding:)` belong to the speaker.
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

    /// One running `BGPSpeaker`, the export policy its peers share, and its event pump.
    struct Running {
        var speaker: BGPSpeaker
        var task: Task<Void, Never>
        var id: Int
        var export: String
    }

    let settings: Settings
    let group: any EventLoopGroup
    let logger: Logger
    var rib: PeerRIB
    var main: Running?
    /// Connect-only speakers by export policy (configured peers).
    var exportGroups: [String: Running] = [:]
    /// Connect-only speakers of peers added at run time.
    var added: [IPAddress: Running] = [:]
    var originated: [OriginatedRoute] = []
    var lastSpeakerID = 0
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

    var all: [Running] { [main].compactMap { $0 } + Array(exportGroups.values) + Array(added.values) }

    /// Whether a configured peer rides on the main (listening) speaker.
    static func onMain(_ p: AgentPeer) -> Bool { p.effectiveExport == "blocks" || p.spec.passive }

    /// Stops and remakes the main speaker and the export groups (not the peers added at run time).
    func rebuild() async throws {
        for r in [main].compactMap({ $0 }) + Array(exportGroups.values) {
            r.task.cancel()
            await r.speaker.shutdown(message: "peer configuration changed")
        }
        exportGroups = [:]
        let configured = rib.peers.values.map(\.peer).filter { added[$0.address] == nil }.sorted { $0.address < $1.address }
        for p in configured where p.spec.passive && p.effectiveExport != "blocks" {
            logger.warning("a passive peer is sent our blocks: export=\(p.effectiveExport) needs the peer to accept our connection",
                           metadata: ["peer": "\(p.address)"])
        }
        let m = make(peers: configured.filter(Self.onMain).map(\.spec), listen: true, export: "blocks")
        main = m
        var groups: [String: [PeerSpec]] = [:]
        for p in configured where !Self.onMain(p) { groups[p.effectiveExport, default: []].append(p.spec) }
        for (export, specs) in groups { exportGroups[export] = make(peers: specs, listen: false, export: export) }
        do {
            try await m.speaker.start()
            for r in exportGroups.values { try await r.speaker.start() }
        } catch {
            throw RoutingError.speaker("\(error)")
        }
    }

    func make(peers: [PeerSpec], listen: Bool, export: String) -> Running {
        let config = SpeakerConfiguration(localAS: settings.localAS, routerID: settings.routerID,
                                          listenAddress: listen ? settings.listenAddress : nil, listenPort: settings.listenPort,
                                          peers: peers, gracefulRestart: settings.gracefulRestart)
        let s = BGPSpeaker(configuration: config, group: group, logger: logger)
        s.originate(routes(for: export))
        lastSpeakerID += 1
        let id = lastSpeakerID
        let task = Task { [weak self] in
            for await event in s.events {
                guard let self else { return }
                await self.handle(event, from: id)
            }
        }
        return Running(speaker: s, task: task, id: id, export: export)
    }

    /// What a peer with export policy `name` is sent: our blocks, and the pools we hold blocks of
    /// (aggregates), through the policy.
    func routes(for name: String) -> [OriginatedRoute] {
        let filter = RouteFilter(name: name, named: rib.routePolicies) ?? .none
        let own = Set(originated.map(\.prefix))
        let aggregates = rib.pools.filter { p in own.contains { p.cidr.contains($0) } }.map { OriginatedRoute(prefix: $0.cidr) }
        return (originated + aggregates).filter { filter.accepts($0.prefix, pools: rib.pools, ownBlocks: own) }
    }

    func handle(_ event: SpeakerEvent, from id: Int) {
        guard all.contains(where: { $0.id == id }) else { return }
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
        for r in all { r.speaker.originate(self.routes(for: r.export)) }
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
        for r in all { for s in await r.speaker.status() { advertised[s.address] = s.advertised } }
        return rib.peerInfos(advertised: advertised)
    }

    public func converged() async -> Bool { rib.converged }

    public func addPeer(_ peer: AgentPeer) async throws {
        do { try rib.addPeer(peer, at: Date()) } catch { throw error }
        guard !peer.spec.passive else { return try await rebuild() }
        let r = make(peers: [peer.spec], listen: false, export: peer.effectiveExport)
        added[peer.address] = r
        do { try await r.speaker.start() } catch { throw RoutingError.speaker("\(error)") }
    }

    public func removePeer(_ address: IPAddress) async throws {
        let out: [RIBChange]
        do { out = try rib.removePeer(address) } catch { throw error }
        if !out.isEmpty { changes.yield(out) }
        if let r = added.removeValue(forKey: address) {
            r.task.cancel()
            await r.speaker.shutdown(message: "peer removed")
        } else {
            try await rebuild()
        }
    }

    public func shutdown(message: String, preserveForwarding: Bool) async {
        let running = all
        for r in running { r.task.cancel() }
        // Today's speaker can only Cease: with preserved forwarding the process exits and the
        // sockets close without a NOTIFICATION, which RFC 4724 peers treat as a restart.
        if !preserveForwarding { for r in running { await r.speaker.shutdown(message: message) } }
        changes.finish()
    }
}
