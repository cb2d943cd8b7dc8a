public import AgentAPI
public import BGPCore
public import BGPSpeaker
public import BGPWire
import Foundation
public import IPAddressing
public import IPAM
import Synchronization

/// A `RoutingSpeaker` with no sockets, for unit tests of the agent: what the agent originates is
/// recorded, and a test plays a peer by calling `receive(...)`, which runs the same `PeerRIB`
/// (import policy, decision process) as the real adapter. It asserts nothing.
public final class InMemorySpeaker: RoutingSpeaker {
    struct State {
        var rib: PeerRIB
        var originated: [OriginatedRoute] = []
        var originations: [[OriginatedRoute]] = []
        var started = false
        var shutdown: (message: String, preserveForwarding: Bool)?
    }
    let state: Mutex<State>
    public let bestRouteChanges: AsyncStream<[RIBChange]>
    let continuation: AsyncStream<[RIBChange]>.Continuation

    public init(localAS: UInt32, routerID: IPv4Address, pools: [Pool], peers: [AgentPeer] = [],
                routePolicies: [String: [PrefixMatch]] = [:]) throws {
        var rib = PeerRIB(localAS: localAS, routerID: routerID, pools: pools, routePolicies: routePolicies)
        for p in peers { try rib.addPeer(p, at: Date()) }
        state = Mutex(State(rib: rib))
        (bestRouteChanges, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// The routes currently originated.
    public var originated: [OriginatedRoute] { state.withLock { $0.originated } }
    /// Every `originate` call, in order.
    public var originations: [[OriginatedRoute]] { state.withLock { $0.originations } }
    public var isStarted: Bool { state.withLock { $0.started } }
    public var shutdownCall: (message: String, preserveForwarding: Bool)? { state.withLock { $0.shutdown } }

    /// A peer announces `prefix` with next hop `nextHop`, tagged with `largeCommunities`.
    public func receive(from peer: IPAddress, announce prefixes: [IPPrefix], nextHop: IPAddress,
                        largeCommunities: [LargeCommunity] = [], asPath: [UInt32] = []) {
        var attrs: [PathAttribute] = [PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: asPath)))]
        if !largeCommunities.isEmpty { attrs.append(PathAttribute(.largeCommunities(largeCommunities))) }
        let routes = prefixes.map { ReceivedRoute(prefix: $0, nextHop: nextHop, attributes: PathAttributes(attrs)) }
        emit { $0.learn(from: peer, announced: routes, withdrawn: []) }
    }

    public func receive(from peer: IPAddress, withdraw prefixes: [IPPrefix]) {
        emit { $0.learn(from: peer, announced: [], withdrawn: prefixes) }
    }

    public func sessionDown(_ peer: IPAddress, keepsRoutes: Bool) {
        emit { $0.sessionDown(peer, reason: "test", keepsRoutes: keepsRoutes) }
    }

    public func endOfRIB(_ peer: IPAddress) { emit { $0.endOfRIB(peer) } }

    public func setState(_ peer: IPAddress, _ s: String) {
        state.withLock { $0.rib.stateChanged(peer, to: s, reason: "test", at: Date()) }
    }

    private func emit(_ body: (inout PeerRIB) -> [RIBChange]) {
        let out = state.withLock { body(&$0.rib) }
        if !out.isEmpty { continuation.yield(out) }
    }

    public func start() async throws { state.withLock { $0.started = true } }

    public func originate(_ routes: [OriginatedRoute]) async {
        state.withLock { $0.originated = routes; $0.originations.append(routes) }
    }

    public func routes(prefix: IPPrefix?) async -> [RouteInfo] {
        state.withLock { $0.rib.routeInfos(prefix: prefix, networkNames: [:]) }
    }

    public func peers() async -> [PeerInfo] { state.withLock { $0.rib.peerInfos(advertised: [:]) } }
    public func converged() async -> Bool { state.withLock { $0.rib.converged } }

    public func addPeer(_ peer: AgentPeer) async throws {
        try state.withLock { s throws(RoutingError) in try s.rib.addPeer(peer, at: Date()) }
    }

    public func removePeer(_ address: IPAddress) async throws {
        let out = try state.withLock { s throws(RoutingError) in try s.rib.removePeer(address) }
        if !out.isEmpty { continuation.yield(out) }
    }

    public func shutdown(message: String, preserveForwarding: Bool) async {
        state.withLock { $0.shutdown = (message, preserveForwarding) }
        continuation.finish()
    }
}
