import BGPWire
import IPAddressing
@testable import BGPCore

/// Several `SpeakerRIB`s joined in memory: what one sends a peer is handed to that peer's RIB as
/// if its session had decoded it (announcement groups become received groups, End-of-RIB and
/// ROUTE-REFRESH are delivered, timers are recorded). No sockets; the wire is covered elsewhere.
struct SpeakerMesh {
    struct Node {
        var rib: SpeakerRIB
        /// Our address toward each neighbour (next hop self).
        var addressToward: [String: IPAddress] = [:]
    }

    var nodes: [String: Node] = [:]
    /// Loc-RIB change batches per node, in order.
    var changes: [String: [RIBChanges]] = [:]
    /// Every message each node sent, per neighbour, in order.
    var sent: [String: [String: [PeerMessage]]] = [:]
    var timers: [String: [RIBTimer]] = [:]
    private var names: [IPAddress: String] = [:]

    mutating func add(_ name: String, asn: UInt32, routerID: String, clusterID: String? = nil) {
        let identity = SpeakerIdentity(localAS: asn, routerID: IPv4Address(routerID)!, clusterID: clusterID.flatMap(IPv4Address.init))
        nodes[name] = Node(rib: SpeakerRIB(identity: identity))
    }

    /// Peers `a` and `b` over a link, `a` at `addressA`; policies default to `all`.
    mutating func link(_ a: String, _ addressA: String, _ b: String, _ addressB: String,
                       aSeesBAsClient: Bool = false, bSeesAAsClient: Bool = false,
                       importAtB: RoutePolicy = .all, exportAtA: RoutePolicy = .all) {
        let ipA = IPAddress(addressA)!, ipB = IPAddress(addressB)!
        names[ipA] = a
        names[ipB] = b
        let asA = nodes[a]!.rib.identity.localAS, asB = nodes[b]!.rib.identity.localAS
        apply(a, nodes[a]!.rib.setPeer(RIBPeerSettings(address: ipB, asn: asB, isExternal: asA != asB, isReflectorClient: aSeesBAsClient,
                                                        importPolicy: .all, exportPolicy: exportAtA)))
        apply(b, nodes[b]!.rib.setPeer(RIBPeerSettings(address: ipA, asn: asA, isExternal: asA != asB, isReflectorClient: bSeesAAsClient,
                                                        importPolicy: importAtB, exportPolicy: .all)))
        nodes[a]!.addressToward[b] = ipA
        nodes[b]!.addressToward[a] = ipB
    }

    /// Brings the session between `a` and `b` up on both sides.
    /// Both sides are Established before either delivers what it sends (as on the wire, where the
    /// KEEPALIVE that completes the session precedes the first UPDATE).
    mutating func establish(_ a: String, _ b: String, gracefulRestart: GracefulRestartCapability? = nil, enhancedRouteRefresh: Bool = false) {
        var outputs: [(String, RIBOutput)] = []
        for (x, y) in [(a, b), (b, a)] {
            let peer = EstablishedPeer(routerID: nodes[y]!.rib.identity.routerID, families: [.ipv4Unicast, .ipv6Unicast],
                                       nextHopSelfV4: nodes[x]!.addressToward[y], nextHopSelfV6: nil,
                                       enhancedRouteRefresh: enhancedRouteRefresh, gracefulRestart: gracefulRestart)
            outputs.append((x, nodes[x]!.rib.sessionEstablished(nodes[y]!.addressToward[x]!, peer)))
        }
        for (x, output) in outputs { apply(x, output) }
    }

    mutating func originate(_ name: String, _ prefixes: [String]) {
        apply(name, nodes[name]!.rib.originate(prefixes.map { LocalRoute(prefix: IPPrefix($0)!) }))
    }

    /// Executes a node's output: deliver each message to the neighbour named by its address.
    mutating func apply(_ name: String, _ output: RIBOutput) {
        if !output.changes.isEmpty { changes[name, default: []].append(output.changes) }
        timers[name, default: []] += output.timers
        for (address, messages) in output.messages.sorted(by: { $0.key < $1.key }) {
            guard let peer = names[address], let from = nodes[name]?.addressToward[peer] else { continue }
            sent[name, default: [:]][peer, default: []] += messages
            for message in messages {
                switch message {
                case .update(let out):
                    let groups = out.announcements.map { g in
                        RouteGroup(attributes: RouteAttributes(attributes: g.attributes, nextHop: g.nextHop.flatMap { nh -> IPAddress? in
                            if case .ipv6(let a, _) = nh { .v6(a) } else { nil }
                        } ?? g.attributes.nextHop.map(IPAddress.v4)), prefixes: g.ipv4.map(IPPrefix.v4) + g.ipv6.map(IPPrefix.v6))
                    }
                    apply(peer, nodes[peer]!.rib.received(withdrawn: out.withdrawn, announced: groups, from: from))
                case .endOfRIB(let family):
                    apply(peer, nodes[peer]!.rib.endOfRIB(family, from: from))
                case .routeRefresh(let refresh):
                    apply(peer, nodes[peer]!.rib.routeRefresh(refresh, from: from))
                case .maximumPrefixExceeded, .reset:
                    break
                }
            }
        }
        // A large initial table goes in steps, as RIBLoop runs them: each after what is pending.
        for address in output.tableWalks { apply(name, nodes[name]!.rib.continueTable(address)) }
    }

    /// The best route of `prefix` at `node`.
    func best(_ node: String, _ prefix: String) -> SelectedRoute? { nodes[node]!.rib.locRIB.best(IPPrefix(prefix)!) }
}
