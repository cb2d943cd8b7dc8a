public import AgentAPI
public import BGPCore
public import BGPSpeaker
public import BGPWire
import Foundation
public import IPAddressing
public import IPAM
public import Logging
import NIOConcurrencyHelpers
public import NIOCore

/// `RoutingSpeaker` over one `BGPSpeaker`, which owns the Loc-RIB, runs every peer's import and
/// export policy, and adds and removes peers without touching the other sessions.
///
/// The agent's route policies become speaker policies by name (`RouteFilter`):
/// - `pool`: blocks of our pools (inside a pool, exactly its block length);
/// - `blocks`: exactly the prefixes this host originates — redefined (`definePolicy`) whenever
///   they change, so a block learned from another host is never passed on as ours;
/// - `aggregates`: the pools we hold blocks of, which this speaker also originates;
/// - `all`, `none`, `default-route`, and the named prefix lists of the config file.
public final class SpeakerRouting: RoutingSpeaker {
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

    /// What the agent knows of each peer beyond the speaker: its kind, policy names, End-of-RIB.
    struct PeerBook: Sendable {
        var peers: [IPAddress: AgentPeer] = [:]
        var lastError: [IPAddress: String] = [:]
        /// Established peers that have not sent End-of-RIB since.
        var awaitingEndOfRIB: Set<IPAddress> = []
        var originated: [OriginatedRoute] = []
    }

    let speaker: BGPSpeaker
    let settings: Settings
    let pools: [Pool]
    let logger: Logger
    let book: NIOLockedValueBox<PeerBook>
    public let bestRouteChanges: AsyncStream<[RIBChange]>
    let pumps: NIOLockedValueBox<[Task<Void, Never>]> = NIOLockedValueBox([])

    public init(settings: Settings, peers: [AgentPeer], pools: [Pool], routePolicies: [String: [PrefixMatch]],
                group: any EventLoopGroup, logger: Logger) throws {
        self.settings = settings
        self.pools = pools
        self.logger = logger
        var policies: [String: RoutePolicy] = [:]
        for (name, list) in routePolicies { policies[name] = Self.policy(name, list) }
        policies["pool"] = RoutePolicy(name: "pool", terms: [.init(.init(prefixes: PrefixList(pools.map {
            PrefixList.Entry($0.cidr, ge: $0.blockLength, le: $0.blockLength)
        })), .accept)])
        policies["aggregates"] = RoutePolicy(name: "aggregates", terms: [.init(.init(prefixes: PrefixList(pools.map {
            PrefixList.Entry($0.cidr)
        })), .accept)])
        policies["blocks"] = RoutePolicy(name: "blocks", terms: [])
        let configuration = SpeakerConfiguration(
            localAS: settings.localAS, routerID: settings.routerID, listenAddress: settings.listenAddress,
            listenPort: settings.listenPort, peers: peers.map(Self.spec), gracefulRestart: settings.gracefulRestart,
            policies: policies)
        do { try configuration.validate() } catch { throw RoutingError.speaker(error.description) }
        let speaker = BGPSpeaker(configuration: configuration, group: group, logger: logger)
        self.speaker = speaker
        var book = PeerBook()
        for p in peers { book.peers[p.address] = p }
        self.book = NIOLockedValueBox(book)
        // Our own blocks are installed by the agent (blackhole + endpoint routes): a best path
        // from the local pseudo-peer means "no learned route" to the FIB.
        bestRouteChanges = AsyncStream { continuation in
            let task = Task { [speaker] in
                for await batch in speaker.ribChanges {
                    continuation.yield(batch.map { c in
                        var c = c
                        if c.best?.peer.isLocal == true { c.best = nil }
                        return c
                    })
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The speaker's peer for an agent peer: the policy names in force (the safe defaults of its kind).
    static func spec(_ p: AgentPeer) -> PeerSpec {
        var s = p.spec
        s.importPolicy = p.effectiveImport
        s.exportPolicy = p.effectiveExport
        s.reflectorClient = p.kind == .rrClient
        return s
    }

    static func policy(_ name: String, _ list: [PrefixMatch]) -> RoutePolicy {
        RoutePolicy(name: name, terms: [.init(.init(prefixes: PrefixList(list.map {
            PrefixList.Entry($0.prefix, ge: $0.ge, le: $0.le)
        })), .accept)])
    }

    public func start() async throws {
        let events = speaker.events
        let task = Task { [weak self] in
            for await event in events { self?.handle(event) }
        }
        pumps.withLockedValue { $0.append(task) }
        do { try await speaker.start() } catch { throw RoutingError.speaker("\(error)") }
    }

    func handle(_ event: SpeakerEvent) {
        switch event {
        case .listening(let a):
            logger.info("BGP listening", metadata: ["address": "\(a)"])
        case let .stateChanged(peer, from, to, reason):
            book.withLockedValue { b in
                if to == "Established" { b.awaitingEndOfRIB.insert(peer) } else { b.awaitingEndOfRIB.remove(peer) }
                if from == "Established", !reason.isEmpty { b.lastError[peer] = reason }
            }
            if to == "Established" || from == "Established" {
                logger.notice("BGP session \(from) → \(to)", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
            }
        case .endOfRIB(let peer, _):
            _ = book.withLockedValue { $0.awaitingEndOfRIB.remove(peer) }
        case let .sessionDown(peer, reason, keeps):
            book.withLockedValue { $0.lastError[peer] = reason }
            logger.notice("BGP session down", metadata: ["peer": "\(peer)", "reason": "\(reason)", "keeps-routes": "\(keeps)"])
        case let .warning(peer, message):
            logger.warning("BGP: \(message)", metadata: ["peer": "\(peer.map { "\($0)" } ?? "-")"])
        case .established, .routes:
            break
        }
    }

    /// Our blocks (and /32s), plus the aggregate of every pool we hold a block of; `blocks` is
    /// redefined first, so no peer is ever sent a prefix as ours that is not.
    public func originate(_ routes: [OriginatedRoute]) async {
        book.withLockedValue { $0.originated = routes }
        let own = routes.map(\.prefix)
        let blocks = RoutePolicy(name: "blocks", terms: [.init(.init(prefixes: PrefixList(own.map { PrefixList.Entry($0) })), .accept)])
        do { try await speaker.definePolicy("blocks", blocks) } catch {
            logger.error("cannot redefine the blocks export policy", metadata: ["error": "\(error)"])
        }
        let aggregates = pools.filter { p in own.contains { p.cidr.contains($0) && $0 != p.cidr } }
            .map { OriginatedRoute(prefix: $0.cidr) }
        speaker.originate(routes + aggregates.filter { a in !own.contains(a.prefix) })
    }

    public func routes(prefix: IPPrefix?) async -> [RouteInfo] {
        await speaker.routes(prefix: prefix).map { r in
            let a = r.path.attributes.attributes
            let local = r.path.peer.isLocal
            return RouteInfo(
                prefix: "\(r.path.prefix)", nextHops: r.path.attributes.nextHop.map { ["\($0)"] } ?? [],
                from: local ? "local" : "\(r.path.peer.address)", asPath: a.asPath.map(\.description) ?? "",
                origin: a.origin.map(\.description) ?? (local ? "IGP" : ""), localPref: a.localPref, med: a.multiExitDisc,
                communities: a.communities.map(\.description), largeCommunities: a.largeCommunities.map(\.description),
                best: r.isBest,
                reason: r.isBest ? (local ? "originated" : r.reason?.description ?? "best")
                                 : (r.path.stale ? "stale (peer restarting)" : "not best"),
                network: nil)
        }
    }

    public func peers() async -> [PeerInfo] {
        let status = await speaker.status()
        let (peers, errors) = book.withLockedValue { ($0.peers, $0.lastError) }
        let clock = ContinuousClock.now, wall = Date()
        return status.compactMap { s in
            guard let p = peers[s.address] else { return nil }
            let since = wall.addingTimeInterval(-Self.seconds(clock - s.since))
            return PeerInfo(address: "\(s.address)", remoteAS: s.remoteAS != 0 ? s.remoteAS : (p.spec.remoteAS ?? settings.localAS),
                            type: p.kind.rawValue, state: s.state, since: since, prefixesReceived: s.received,
                            prefixesAccepted: s.accepted, prefixesAdvertised: s.advertised,
                            importPolicy: p.effectiveImport, exportPolicy: p.effectiveExport,
                            lastError: s.lastError ?? errors[s.address])
        }
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        let (s, atto) = d.components
        return TimeInterval(s) + TimeInterval(atto) / 1e18
    }

    public func converged() async -> Bool { book.withLockedValue { $0.awaitingEndOfRIB.isEmpty } }

    public func addPeer(_ peer: AgentPeer) async throws {
        let exists = book.withLockedValue { $0.peers[peer.address] != nil }
        guard !exists else { throw RoutingError.peerExists(peer.address) }
        do { try await speaker.addPeer(Self.spec(peer)) } catch { throw RoutingError.speaker("\(error)") }
        book.withLockedValue { $0.peers[peer.address] = peer }
    }

    public func removePeer(_ address: IPAddress) async throws {
        let exists = book.withLockedValue { $0.peers[address] != nil }
        guard exists else { throw RoutingError.unknownPeer(address) }
        do { try await speaker.removePeer(address) } catch { throw RoutingError.speaker("\(error)") }
        book.withLockedValue { b in
            b.peers[address] = nil
            b.awaitingEndOfRIB.remove(address)
            b.lastError[address] = nil
        }
    }

    public func shutdown(message: String, preserveForwarding: Bool) async {
        await speaker.shutdown(message: message, preserveForwarding: preserveForwarding)
        for task in pumps.withLockedValue({ $0 }) { task.cancel() }
    }
}
