import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// A new peer's initial table goes out in steps of `tableStep` prefixes (`RIBOutput.tableWalks`,
/// `continueTable`), so its first UPDATEs leave at once; End-of-RIB follows the last step, and a
/// route that changes meanwhile is sent once, with its current best.
@Suite struct TableWalkTests {
    static let peer = IPAddress("192.0.2.2")!
    static let blocks = (0..<10).map { IPPrefix.v4(IPv4Prefix(unchecked: 0x0AF4_0000 | UInt32($0) << 8, length: 24)) }

    /// What one output sends the peer: announced and withdrawn prefixes, End-of-RIBs.
    struct Sent {
        var announced: [IPPrefix] = []
        var withdrawn: [IPPrefix] = []
        var endOfRIB = 0
        mutating func add(_ out: RIBOutput) {
            for m in out.messages[TableWalkTests.peer] ?? [] {
                switch m {
                case .update(let u):
                    announced += u.announcements.flatMap { $0.ipv4.map(IPPrefix.v4) }
                    withdrawn += u.withdrawn
                case .endOfRIB: endOfRIB += 1
                default: break
                }
            }
        }
    }

    func speaker(step: Int) -> SpeakerRIB {
        var rib = SpeakerRIB(identity: SpeakerIdentity(localAS: 64512, routerID: IPv4Address(192, 0, 2, 1)))
        rib.tableStep = step
        _ = rib.setPeer(RIBPeerSettings(address: Self.peer, asn: 65000, isExternal: true, importPolicy: .all, exportPolicy: .all))
        _ = rib.originate(Self.blocks.map { LocalRoute(prefix: $0) })
        return rib
    }

    static let established = EstablishedPeer(routerID: IPv4Address(192, 0, 2, 2), families: [.ipv4Unicast],
                                             nextHopSelfV4: IPAddress("192.0.2.1"), nextHopSelfV6: nil)

    @Test(arguments: [1, 3, 4, 10, 32_768])
    func theTableGoesOutInStepsThenEndOfRIB(step: Int) {
        var rib = speaker(step: step)
        var sent = Sent()
        var out = rib.sessionEstablished(Self.peer, Self.established)
        var steps = 1
        sent.add(out)
        while out.tableWalks == [Self.peer], steps < 100 {
            #expect(sent.endOfRIB == 0, "End-of-RIB only after the last step")
            out = rib.continueTable(Self.peer)
            sent.add(out)
            steps += 1
        }
        #expect(steps == (Self.blocks.count + step - 1) / step)
        #expect(sent.announced == Self.blocks, "every prefix once, in prefix order")
        #expect(sent.endOfRIB == 1 && out.tableWalks.isEmpty)
        #expect(rib.counts(of: Self.peer)?.advertised == Self.blocks.count)
        // Nothing is left to walk.
        #expect(rib.continueTable(Self.peer).messages.isEmpty)
    }

    @Test func aRouteThatChangesMeanwhileIsSentOnceWithItsCurrentState() {
        var rib = speaker(step: 3)
        var sent = Sent()
        sent.add(rib.sessionEstablished(Self.peer, Self.established))
        let first = Set(sent.announced)
        // Withdraw one block not sent yet, and one already sent.
        let later = Self.blocks.first { !first.contains($0) }!, earlier = sent.announced[0]
        let remaining = Self.blocks.filter { $0 != later && $0 != earlier }
        let change = rib.originate(remaining.map { LocalRoute(prefix: $0) })
        sent.add(change)
        #expect(sent.withdrawn == [earlier], "only what the peer was sent is withdrawn")
        var out = RIBOutput()
        out.tableWalks = [Self.peer]
        for _ in 0..<10 where out.tableWalks == [Self.peer] {
            out = rib.continueTable(Self.peer)
            sent.add(out)
        }
        #expect(!sent.announced.contains(later), "the walk skips what changed meanwhile")
        #expect(Set(sent.announced) == Set(remaining).union([earlier]) && sent.announced.count == remaining.count + 1)
        #expect(sent.endOfRIB == 1)
        #expect(rib.counts(of: Self.peer)?.advertised == remaining.count)
    }

    /// The walk reads a snapshot of the Loc-RIB: the live table growing past several rehashes and
    /// losing entries between steps moves nothing under it. Every prefix goes out exactly once,
    /// with its current state, and the peer ends with exactly the Loc-RIB.
    @Test func theWalkIsUnmovedByTheTableGrowingAndShrinkingMeanwhile() {
        var rib = speaker(step: 3)
        var sent = Sent()
        sent.add(rib.sessionEstablished(Self.peer, Self.established))
        let first = Set(sent.announced)
        let gone = Self.blocks.filter { !first.contains($0) }.prefix(2)
        // 5,000 more prefixes (the live table rehashes from 16 buckets to 8,192) and two of the
        // blocks not sent yet withdrawn (their buckets emptied, neighbours shifted back).
        let extra = (0..<5_000).map { IPPrefix.v4(IPv4Prefix(unchecked: 0x0B00_0000 | UInt32($0) << 8, length: 24)) }
        let kept = Self.blocks.filter { !gone.contains($0) } + extra
        sent.add(rib.originate(kept.map { LocalRoute(prefix: $0) }))
        #expect(sent.withdrawn.isEmpty, "the withdrawn blocks were never sent")
        var out = RIBOutput()
        out.tableWalks = [Self.peer]
        for _ in 0..<10 where out.tableWalks == [Self.peer] {
            out = rib.continueTable(Self.peer)
            sent.add(out)
        }
        #expect(sent.endOfRIB == 1)
        #expect(sent.announced.count == kept.count, "each prefix once: \(sent.announced.count) sent for \(kept.count)")
        #expect(Set(sent.announced) == Set(kept))
        #expect(rib.counts(of: Self.peer)?.advertised == kept.count)
    }

    @Test func aSessionThatGoesDownEndsItsWalk() {
        var rib = speaker(step: 3)
        #expect(rib.sessionEstablished(Self.peer, Self.established).tableWalks == [Self.peer])
        _ = rib.sessionDown(Self.peer, keepStale: false)
        #expect(rib.continueTable(Self.peer).messages.isEmpty)
    }
}

/// Three speakers in memory: b learns a's table, then c comes up and gets b's table in steps of 2,
/// relayed whole to its own Loc-RIB, with End-of-RIB after it.
@Suite struct TableWalkMeshTests {
    @Test func aNewPeerGetsAWholeTableInSteps() {
        var mesh = SpeakerMesh()
        mesh.add("a", asn: 65001, routerID: "10.0.0.1")
        mesh.add("b", asn: 64512, routerID: "10.0.0.2")
        mesh.add("c", asn: 65003, routerID: "10.0.0.3")
        mesh.nodes["b"]!.rib.tableStep = 2
        mesh.link("a", "10.1.0.1", "b", "10.1.0.2")
        mesh.link("b", "10.2.0.2", "c", "10.2.0.3")
        mesh.establish("a", "b")
        let blocks = (1...7).map { "10.244.\($0).0/26" }
        mesh.originate("a", blocks)
        mesh.establish("b", "c")
        for p in blocks { #expect(mesh.best("c", p)?.peer.address == IPAddress("10.2.0.2"), "\(p) at c") }
        let sent = mesh.sent["b"]?["c"] ?? []
        let updates = sent.filter { if case .update = $0 { true } else { false } }.count
        #expect(updates == 4, "7 routes in steps of 2")
        if case .endOfRIB? = sent.last {} else { Issue.record("End-of-RIB is not last: \(sent)") }
    }
}
