import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// The Loc-RIB's bookkeeping: changes reported only when the best changes, interning, peer flush,
/// graceful-restart mark and sweep, next-hop eligibility, multipath.
@Suite struct LocRIBTests {
    func attributes(_ nextHop: String, path: [UInt32] = [65001], localPref: UInt32? = nil) -> RouteAttributes {
        var a = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: path))),
                                PathAttribute(.nextHop(IPv4Address(nextHop)!))])
        if let localPref { a.set(.localPref(localPref)) }
        return RouteAttributes(attributes: a, nextHop: IPAddress(nextHop))
    }
    func peer(_ address: String, _ id: String) -> RIBPeer {
        RIBPeer(address: IPAddress(address)!, asn: 65001, routerID: IPv4Address(id)!, isExternal: true)
    }
    let blocks = (0..<1000).map { IPPrefix.v4(IPv4Prefix(IPv4Address(0x0AF4_0000 | UInt32($0) << 6), length: 26)) }

    @Test func identicalAttributesAreStoredOnce() {
        var rib = LocRIB()
        let a = rib.addPeer(peer("192.0.2.1", "10.0.0.1"))
        let changes = rib.announce(blocks, attributes: attributes("192.0.2.1"), from: a)
        #expect(changes.count == 1000 && changes.allSatisfy { $0.best?.reason == .onlyPath })
        #expect(rib.prefixCount == 1000 && rib.pathCount == 1000)
        #expect(rib.attributeSetCount == 1)
        // Re-announcing the same is no change; withdrawing all frees the set.
        #expect(rib.announce(blocks, attributes: attributes("192.0.2.1"), from: a).isEmpty)
        let gone = rib.withdraw(blocks, from: a)
        #expect(gone.count == 1000 && gone.allSatisfy { $0.best == nil })
        #expect(rib.attributeSetCount == 0 && rib.prefixCount == 0)
    }

    @Test func aBetterPathReplacesAndItsWithdrawalFallsBack() {
        var rib = LocRIB()
        let a = rib.addPeer(peer("192.0.2.1", "10.0.0.1")), b = rib.addPeer(peer("192.0.2.2", "10.0.0.2"))
        let p = blocks[0]
        _ = rib.announce([p], attributes: attributes("192.0.2.1", path: [65001, 65009]), from: a)
        let better = rib.announce([p], attributes: attributes("192.0.2.2"), from: b)
        #expect(better.first?.best?.peer.address == IPAddress("192.0.2.2"))
        #expect(better.first?.best?.reason == .asPathLength)
        // A worse third path changes nothing.
        let c = rib.addPeer(peer("192.0.2.3", "10.0.0.3"))
        #expect(rib.announce([p], attributes: attributes("192.0.2.3", path: [65001, 65002, 65003]), from: c).isEmpty)
        let fallback = rib.withdraw([p], from: b)
        #expect(fallback.first?.best?.peer.address == IPAddress("192.0.2.1"))
        #expect(rib.removePaths(of: a).first?.best?.peer.address == IPAddress("192.0.2.3"))
    }

    @Test func unresolvableNextHopsAreNotCandidates() {
        var rib = LocRIB()
        let a = rib.addPeer(peer("192.0.2.1", "10.0.0.1")), b = rib.addPeer(peer("192.0.2.2", "10.0.0.2"))
        let p = blocks[0]
        _ = rib.announce([p], attributes: attributes("192.0.2.1", localPref: 200), from: a)
        _ = rib.announce([p], attributes: attributes("192.0.2.2"), from: b)
        #expect(rib.best(p)?.peer.address == IPAddress("192.0.2.1"))
        // 192.0.2.1 becomes unreachable: the other path takes over; none reachable: no route.
        let changes = rib.setNextHopCosts([IPAddress("192.0.2.2")!: 1])
        #expect(changes.map { $0.best?.peer.address } == [IPAddress("192.0.2.2")])
        #expect(rib.setNextHopCosts([:]).map { $0.best } == [nil])
    }

    @Test func gracefulRestartKeepsStalePathsUntilTheSweep() {
        var rib = LocRIB()
        let a = rib.addPeer(peer("192.0.2.1", "10.0.0.1"))
        _ = rib.announce(Array(blocks.prefix(3)), attributes: attributes("192.0.2.1"), from: a)
        rib.markStale(a)
        #expect(rib.prefixCount == 3)  // still forwarding through the restarting peer
        // After the restart the peer re-announces two of them; End-of-RIB sweeps the third.
        _ = rib.announce(Array(blocks.prefix(2)), attributes: attributes("192.0.2.1"), from: a)
        let swept = rib.sweepStale(a)
        #expect(swept.map(\.prefix) == [blocks[2]] && swept.allSatisfy { $0.best == nil })
        #expect(rib.prefixCount == 2)
    }

    @Test func multipathCollectsPathsEqualUpToTheIGPCost() {
        var rib = LocRIB(options: DecisionOptions(multipath: true))
        let a = rib.addPeer(peer("192.0.2.1", "10.0.0.1")), b = rib.addPeer(peer("192.0.2.2", "10.0.0.2"))
        let c = rib.addPeer(peer("192.0.2.3", "10.0.0.3"))
        let p = blocks[0]
        _ = rib.announce([p], attributes: attributes("192.0.2.1"), from: a)
        _ = rib.announce([p], attributes: attributes("192.0.2.2"), from: b)
        _ = rib.announce([p], attributes: attributes("192.0.2.3", path: [65001, 65002]), from: c)
        let best = rib.best(p)
        #expect(best?.reason == .routerID)
        #expect(best?.multipathNextHops == [IPAddress("192.0.2.1")!, IPAddress("192.0.2.2")!])
    }

    @Test func addPathIdentifiersKeepSeveralPathsFromOnePeer() {
        var rib = LocRIB()
        let a = rib.addPeer(peer("192.0.2.1", "10.0.0.1"))
        let p = blocks[0]
        _ = rib.announce([p], pathIDs: [1], attributes: attributes("192.0.2.1", path: [65001, 65002]), from: a)
        _ = rib.announce([p], pathIDs: [2], attributes: attributes("192.0.2.9"), from: a)
        #expect(rib.pathCount == 2)
        #expect(rib.best(p)?.attributes.nextHop == IPAddress("192.0.2.9"))
        _ = rib.withdraw([p], pathIDs: [2], from: a)
        #expect(rib.best(p)?.attributes.nextHop == IPAddress("192.0.2.1"))
    }
}
