import Testing
import BGPWire
import IPAddressing
@testable import BGPCore
import SeededRandom

/// The compact Loc-RIB storage (inline single paths, multi-path entries, IPv4 keys as one word)
/// behaves exactly like the plain dictionary-of-arrays RIB it replaced (`ReferenceRIB`): seeded
/// random operations run on both, and every change list, best route, path list and count agree.
@Suite struct LocRIBStorageTests {
    static let peers = [
        RIBPeer(address: IPAddress("192.0.2.1")!, asn: 65001, routerID: IPv4Address("10.0.0.1")!, isExternal: true),
        RIBPeer(address: IPAddress("192.0.2.2")!, asn: 65002, routerID: IPv4Address("10.0.0.2")!, isExternal: true),
        RIBPeer(address: IPAddress("192.0.2.3")!, asn: 64512, routerID: IPv4Address("10.0.0.3")!, isExternal: false),
        RIBPeer(address: IPAddress("192.0.2.4")!, asn: 64512, routerID: IPv4Address("10.0.0.4")!, isExternal: false,
                isReflectorClient: true),
    ]
    static let nextHops = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "2001:db8::1"].map { IPAddress($0)! }
    /// Attribute sets that differ in each step the decision process looks at.
    static let attributeSets: [RouteAttributes] = {
        var sets: [RouteAttributes] = []
        for (i, hop) in nextHops.enumerated() {
            for (path, localPref, med) in [([65001], nil, nil), ([65001, 65009], UInt32(200), UInt32(5)), ([65002], nil, UInt32(1))] as [([UInt32], UInt32?, UInt32?)] {
                var a = PathAttributes([PathAttribute(.origin(i == 2 ? .egp : .igp)), PathAttribute(.asPath(ASPath(sequence: path)))])
                if case .v4(let v4) = hop { a.set(.nextHop(v4)) }
                if let localPref { a.set(.localPref(localPref)) }
                if let med { a.set(.multiExitDisc(med)) }
                sets.append(RouteAttributes(attributes: a, nextHop: hop))
            }
        }
        return sets
    }()
    /// Same addresses with different lengths (the IPv4 key orders them), and IPv6 beside them.
    static let prefixes: [IPPrefix] = ["10.0.0.0/24", "10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/24", "10.0.2.0/24",
                                       "10.1.0.0/16", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/8",
                                       "2001:db8::/32", "2001:db8:1::/48", "::/0"].map { IPPrefix($0)! }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64], [false, true])
    func randomOperationsAgreeWithTheReference(seed: UInt64, multipath: Bool) {
        var rng = SplitMix64(seed: seed)
        let options = DecisionOptions(alwaysCompareMED: seed % 2 == 0, multipath: multipath)
        var rib = LocRIB(options: options)
        var reference = ReferenceRIB(options: options)
        let ids = Self.peers.map { p in (rib.addPeer(p), reference.addPeer(p)) }
        for step in 0..<400 {
            let peer = ids[Int.random(in: 0..<ids.count, using: &rng)]
            let chosen = Self.prefixes.filter { _ in Bool.random(using: &rng) }
            let pathIDs: [UInt32] = Bool.random(using: &rng) ? [] : chosen.map { _ in UInt32.random(in: 0...1, using: &rng) }
            let what: String
            var (got, want): ([RIBChange], [RIBChange]) = ([], [])
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<9:
                let a = Self.attributeSets.randomElement(using: &rng)!
                what = "announce \(chosen) ids \(pathIDs)"
                (got, want) = (Array(rib.announce(chosen, pathIDs: pathIDs, attributes: a, from: peer.0)),
                               reference.announce(chosen, pathIDs: pathIDs, attributes: a, from: peer.1))
            case 9..<14:
                what = "withdraw \(chosen) ids \(pathIDs)"
                (got, want) = (Array(rib.withdraw(chosen, pathIDs: pathIDs, from: peer.0)), reference.withdraw(chosen, pathIDs: pathIDs, from: peer.1))
            case 14:
                what = "removePaths"
                (got, want) = (Array(rib.removePaths(of: peer.0)), reference.removePaths(of: peer.1))
            case 15:
                what = "markStale"
                rib.markStale(peer.0)
                reference.markStale(peer.1)
            case 16:
                what = "markStale IPv4 only"
                let v4 = { (p: IPPrefix) in if case .v4 = p { true } else { false } }
                rib.markStale(peer.0, matching: v4)
                reference.markStale(peer.1, matching: v4)
            case 17:
                what = "sweepStale"
                (got, want) = (Array(rib.sweepStale(peer.0)), reference.sweepStale(peer.1))
            default:
                let costs: [IPAddress: UInt32]? = Bool.random(using: &rng) ? nil
                    : Dictionary(uniqueKeysWithValues: Self.nextHops.filter { _ in Bool.random(using: &rng) }.map { ($0, UInt32.random(in: 1...3, using: &rng)) })
                what = "setNextHopCosts \(String(describing: costs))"
                (got, want) = (Array(rib.setNextHopCosts(costs)), reference.setNextHopCosts(costs))
            }
            let context = "seed \(seed) step \(step): \(what)"
            #expect(got == want, "\(context)")
            #expect(rib.prefixCount == reference.prefixCount && rib.pathCount == reference.pathCount, "\(context)")
            #expect(rib.attributeSetCount == reference.attributeSetCount, "\(context)")
            #expect(Set(rib.prefixes) == Set(reference.prefixes), "\(context)")
            for id in ids { #expect(rib.pathCount(of: id.0) == reference.pathCount(of: id.1), "\(context)") }
            for p in Self.prefixes {
                #expect(rib.best(p) == reference.best(p), "\(context): best of \(p)")
                let paths = rib.paths(p)
                #expect(Set(paths) == Set(reference.paths(p)), "\(context): paths of \(p)")
                if let best = rib.best(p) {
                    #expect(paths.first?.peer == best.peer && paths.first?.attributes == best.attributes, "\(context): best first")
                }
            }
            #expect(rib.routes == reference.routes, "\(context)")
            if got != want || rib.routes != reference.routes { return }  // one failure tells; the rest would repeat it
        }
    }

    @Test func aPrefixMovesBetweenInlineAndMultiPathStorage() {
        var rib = LocRIB()
        let a = rib.addPeer(Self.peers[0]), b = rib.addPeer(Self.peers[1])
        let p = Self.prefixes[0]
        // One path: inline. A second: a multi-path entry, the shorter AS_PATH wins.
        _ = rib.announce([p], attributes: Self.attributeSets[1], from: a)  // AS_PATH 65001 65009, LOCAL_PREF 200
        _ = rib.announce([p], attributes: Self.attributeSets[3], from: b)  // AS_PATH 65001
        #expect(rib.best(p)?.reason == .localPref && rib.pathCount == 2 && rib.attributeSetCount == 2)
        // Back to one path: inline again, the only path; then none, and nothing is left behind.
        let back = rib.withdraw([p], from: a)
        #expect(back.map { $0.best?.reason } == [.onlyPath] && rib.best(p)?.peer == Self.peers[1])
        #expect(rib.attributeSetCount == 1 && rib.pathCount(of: a) == 0 && rib.pathCount(of: b) == 1)
        #expect(rib.withdraw([p], from: b).map(\.best) == [nil])
        #expect(rib.prefixCount == 0 && rib.pathCount == 0 && rib.attributeSetCount == 0)
    }

    @Test func ipv4KeysKeepPrefixOrder() {
        var rib = LocRIB()
        let a = rib.addPeer(Self.peers[0])
        _ = rib.announce(Self.prefixes.reversed(), attributes: Self.attributeSets[0], from: a)
        #expect(rib.routes.map(\.prefix) == Self.prefixes.sorted())
        #expect(rib.removePaths(of: a).map(\.prefix) == Self.prefixes.sorted())
    }
}
