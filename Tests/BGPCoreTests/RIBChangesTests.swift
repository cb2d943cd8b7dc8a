import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// A batch of Loc-RIB changes is stored as runs of prefixes sharing one new best route, and reads
/// as the list of (prefix, best) it stands for, in the RIB's order.
@Suite struct RIBChangesTests {
    static func attributes(_ nextHop: String, path: [UInt32] = [65001]) -> RouteAttributes {
        RouteAttributes(attributes: PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: path))),
                                                    PathAttribute(.nextHop(IPv4Address(nextHop)!))]),
                        nextHop: IPAddress(nextHop))
    }
    static let a = RIBPeer(address: IPAddress("192.0.2.1")!, asn: 65001, routerID: IPv4Address("10.0.0.1")!, isExternal: true)
    static let b = RIBPeer(address: IPAddress("192.0.2.2")!, asn: 65002, routerID: IPv4Address("10.0.0.2")!, isExternal: true)
    static let blocks = (0..<1000).map { IPPrefix.v4(IPv4Prefix(unchecked: 0x0AF4_0000 | UInt32($0) << 6, length: 26)) }

    @Test func oneUpdatesNewPrefixesAreOneRun() {
        var rib = LocRIB()
        let a = rib.addPeer(Self.a)
        let changes = rib.announce(Self.blocks, attributes: Self.attributes("192.0.2.1"), from: a)
        #expect(changes.runs.count == 1)
        #expect(changes.runs[0].prefixes == Self.blocks)
        #expect(changes.runs[0].best?.peer == Self.a && changes.runs[0].best?.reason == .onlyPath)
        #expect(changes.runs[0].best?.multipathNextHops == [IPAddress("192.0.2.1")!])
        // The element view: one RIBChange per prefix, in order, with the prefix in its route.
        #expect(changes.count == 1000 && changes.map(\.prefix) == Self.blocks)
        #expect(changes.allSatisfy { $0.best?.prefix == $0.prefix })
        #expect(Array(changes) == Self.blocks.map { RIBChange(prefix: $0, best: rib.best($0)) })
    }

    @Test func aRunEndsWhereTheBestRouteDiffers() {
        var rib = LocRIB()
        let a = rib.addPeer(Self.a), b = rib.addPeer(Self.b)
        let first = Array(Self.blocks[0..<4])
        _ = rib.announce(first, attributes: Self.attributes("192.0.2.1", path: [65001, 65009]), from: a)
        // b's shorter path wins blocks 1 and 2 only where it is announced: a run of two.
        let better = rib.announce([first[1], first[2]], attributes: Self.attributes("192.0.2.2"), from: b)
        #expect(better.runs.map(\.prefixes) == [[first[1], first[2]]])
        // a withdraws all four: 0 and 3 go; 1 and 2 keep b's path, now the only one (the reason
        // changes, so they change): three runs, in the order of the withdrawal.
        let gone = rib.withdraw(first, from: a)
        #expect(gone.runs.map(\.prefixes) == [[first[0]], [first[1], first[2]], [first[3]]])
        #expect(gone.runs.map { $0.best?.reason } == [nil, .onlyPath, nil])
        #expect(gone.runs[1].best?.peer == Self.b)
    }

    @Test func literalsAppendAndFilterReadAsTheListOfChanges() {
        var rib = LocRIB()
        let a = rib.addPeer(Self.a), b = rib.addPeer(Self.b)
        _ = rib.announce(Array(Self.blocks[0..<3]), attributes: Self.attributes("192.0.2.1"), from: a)
        _ = rib.announce([Self.blocks[3]], attributes: Self.attributes("192.0.2.2"), from: b)
        let list = (0..<4).map { RIBChange(prefix: Self.blocks[$0], best: rib.best(Self.blocks[$0])) }
            + [RIBChange(prefix: Self.blocks[4], best: nil)]
        let batch = RIBChanges(list)
        // Runs: three of a's, one of b's, one withdrawal.
        #expect(batch.runs.map(\.prefixes.count) == [3, 1, 1])
        #expect(Array(batch) == list && batch == RIBChanges(list) && batch.count == 5)
        var joined: RIBChanges = [list[0]]
        joined += RIBChanges(Array(list.dropFirst()))
        #expect(joined == batch, "equal as lists, whatever the runs")
        #expect(Array(batch.filter(prefixes: { $0 != Self.blocks[1] })) == list.filter { $0.prefix != Self.blocks[1] })
        let empty: RIBChanges = []
        #expect(empty.isEmpty && empty.count == 0 && Array(empty).isEmpty && empty.startIndex == empty.endIndex)
    }

    @Test func bestRoutesListsTheTableInPrefixOrderByFamily() {
        var rib = LocRIB()
        let a = rib.addPeer(Self.a)
        let v6 = [IPPrefix("2001:db8:1::/48")!, IPPrefix("2001:db8::/48")!]
        _ = rib.announce(Self.blocks.reversed() + v6, attributes: Self.attributes("192.0.2.1"), from: a)
        let all = rib.bestRoutes()
        #expect(all.map(\.prefix) == Self.blocks + v6.sorted())
        #expect(all.runs.count == 1, "one attribute set: one run")
        #expect(Array(all) == rib.routes.map { RIBChange(prefix: $0.prefix, best: $0) })
        #expect(rib.bestRoutes(v4: true).map(\.prefix) == Self.blocks)
        #expect(rib.bestRoutes(v4: false).map(\.prefix) == v6.sorted())
    }
}
