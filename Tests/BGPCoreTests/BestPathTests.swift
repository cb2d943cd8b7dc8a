import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// RFC 4271 section 9.1.2.2 and RFC 4456 section 9, one pair per tie-breaker, best first: the
/// better path wins whichever order the two arrive in, and the reason names the deciding step.
@Suite struct BestPathTests {
    /// A path for the table: who sent it and what it carries.
    struct P: Sendable {
        var peer = "192.0.2.10"
        var asn: UInt32 = 65001
        var routerID = "10.0.0.10"
        var external = true
        var localPref: UInt32?
        var path: [UInt32] = [65001]
        var origin: Origin = .igp
        var med: UInt32?
        var nextHop = "192.0.2.10"
        var originatorID: String?
        var clusterList: [UInt32] = []

        var rib: RIBPeer {
            RIBPeer(address: IPAddress(peer)!, asn: asn, routerID: IPv4Address(routerID)!, isExternal: external)
        }
        var attributes: RouteAttributes {
            var a = PathAttributes([PathAttribute(.origin(origin)), PathAttribute(.asPath(ASPath(sequence: path))),
                                    PathAttribute(.nextHop(IPv4Address(nextHop)!))])
            if let localPref { a.set(.localPref(localPref)) }
            if let med { a.set(.multiExitDisc(med)) }
            if let originatorID { a.set(.originatorID(IPv4Address(originatorID)!)) }
            if !clusterList.isEmpty { a.set(.clusterList(clusterList)) }
            return RouteAttributes(attributes: a, nextHop: IPAddress(nextHop))
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var reason: BestPathReason
        var better: P
        var worse: P
        var costs: [String: UInt32]? = nil
        var testDescription: String { reason.rawValue }
    }

    static let rows: [Row] = [
        Row(reason: .localPref, better: P(peer: "192.0.2.20", localPref: 200, path: [65001, 65002, 65003]), worse: P(localPref: 100)),
        Row(reason: .asPathLength, better: P(peer: "192.0.2.20", path: [65001]), worse: P(path: [65002, 65003])),
        Row(reason: .origin, better: P(peer: "192.0.2.20", origin: .igp), worse: P(origin: .incomplete)),
        Row(reason: .med, better: P(peer: "192.0.2.20", med: 10), worse: P(med: 20)),
        Row(reason: .externalOverInternal, better: P(peer: "192.0.2.20", external: true),
            worse: P(asn: 64512, external: false, path: [65001])),
        Row(reason: .igpCost, better: P(peer: "192.0.2.20", external: false, nextHop: "192.0.2.20"),
            worse: P(external: false, nextHop: "192.0.2.10"), costs: ["192.0.2.20": 5, "192.0.2.10": 10]),
        Row(reason: .routerID, better: P(peer: "192.0.2.20", routerID: "10.0.0.1"), worse: P(routerID: "10.0.0.2")),
        Row(reason: .routerID, better: P(peer: "192.0.2.20", routerID: "10.0.0.9", external: false, originatorID: "10.0.0.1"),
            worse: P(routerID: "10.0.0.2", external: false, originatorID: "10.0.0.5")),
        Row(reason: .clusterListLength, better: P(peer: "192.0.2.20", routerID: "10.0.0.1", external: false, clusterList: [1]),
            worse: P(routerID: "10.0.0.2", external: false, originatorID: "10.0.0.1", clusterList: [1, 2])),
        Row(reason: .peerAddress, better: P(peer: "192.0.2.5", routerID: "10.0.0.1"), worse: P(peer: "192.0.2.6", routerID: "10.0.0.1")),
    ]

    @Test(arguments: rows)
    func betterWinsInEitherOrder(_ row: Row) {
        for betterFirst in [true, false] {
            var rib = LocRIB()
            let prefix = IPPrefix("10.244.0.0/26")!
            let b = rib.addPeer(row.better.rib), w = rib.addPeer(row.worse.rib)
            if let costs = row.costs {
                _ = rib.setNextHopCosts(Dictionary(uniqueKeysWithValues: costs.map { (IPAddress($0.key)!, $0.value) }))
            }
            let order = betterFirst ? [(b, row.better), (w, row.worse)] : [(w, row.worse), (b, row.better)]
            for (peer, p) in order { _ = rib.announce([prefix], attributes: p.attributes, from: peer) }
            let best = rib.best(prefix)
            #expect(best?.peer.address == IPAddress(row.better.peer), "\(row.reason), better first: \(betterFirst)")
            #expect(best?.reason == row.reason, "\(row.reason), better first: \(betterFirst)")
        }
    }

    @Test func medIsComparedOnlyWithinTheSameNeighbourAS() {
        // A (AS 65001, MED 50) vs B (AS 65002, MED 10): different neighbour ASes, MED not compared.
        var rib = LocRIB()
        let a = rib.addPeer(P(peer: "192.0.2.5", routerID: "10.0.0.1").rib)
        let b = rib.addPeer(P(peer: "192.0.2.6", asn: 65002, routerID: "10.0.0.2").rib)
        let prefix = IPPrefix("10.244.0.0/26")!
        _ = rib.announce([prefix], attributes: P(peer: "192.0.2.5", routerID: "10.0.0.1", med: 50).attributes, from: a)
        _ = rib.announce([prefix], attributes: P(peer: "192.0.2.6", asn: 65002, path: [65002], med: 10).attributes, from: b)
        #expect(rib.best(prefix)?.peer.address == IPAddress("192.0.2.5"))
        #expect(rib.best(prefix)?.reason == .routerID)
        // With always-compare-med the lower MED wins.
        var always = LocRIB(options: DecisionOptions(alwaysCompareMED: true))
        let a2 = always.addPeer(P(peer: "192.0.2.5", routerID: "10.0.0.1").rib)
        let b2 = always.addPeer(P(peer: "192.0.2.6", asn: 65002, routerID: "10.0.0.2").rib)
        _ = always.announce([prefix], attributes: P(med: 50).attributes, from: a2)
        _ = always.announce([prefix], attributes: P(peer: "192.0.2.6", asn: 65002, path: [65002], med: 10).attributes, from: b2)
        #expect(always.best(prefix)?.peer.address == IPAddress("192.0.2.6"))
        #expect(always.best(prefix)?.reason == .med)
    }
}
