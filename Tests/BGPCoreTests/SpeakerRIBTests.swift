import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// The speaker's RIB with three (or four) speakers run against each other in memory: what each one
/// learns, with which attributes, and what it never learns.
@Suite struct SpeakerRIBScenarioTests {
    /// RFC 4456: RR reflects client routes to everyone and non-client routes to clients only,
    /// adding ORIGINATOR_ID and its cluster ID to CLUSTER_LIST.
    @Test func routeReflectorServerAndClients() {
        var mesh = SpeakerMesh()
        mesh.add("rr", asn: 64512, routerID: "10.0.0.1", clusterID: "10.0.0.1")
        mesh.add("c1", asn: 64512, routerID: "10.0.0.2")
        mesh.add("c2", asn: 64512, routerID: "10.0.0.3")
        mesh.add("n1", asn: 64512, routerID: "10.0.0.4")
        mesh.add("n2", asn: 64512, routerID: "10.0.0.5")
        mesh.link("rr", "10.1.0.1", "c1", "10.1.0.2", aSeesBAsClient: true)
        mesh.link("rr", "10.2.0.1", "c2", "10.2.0.2", aSeesBAsClient: true)
        mesh.link("rr", "10.3.0.1", "n1", "10.3.0.2")
        mesh.link("rr", "10.4.0.1", "n2", "10.4.0.2")
        for peer in ["c1", "c2", "n1", "n2"] { mesh.establish("rr", peer) }
        mesh.originate("c1", ["10.244.1.0/26"])
        mesh.originate("n1", ["10.244.4.0/26"])

        // A client's route reaches the other client and the non-clients, reflected.
        for node in ["c2", "n1", "n2"] {
            let best = mesh.best(node, "10.244.1.0/26")
            #expect(best?.attributes.attributes.originatorID == IPv4Address("10.0.0.2"), "\(node)")
            #expect(best?.attributes.attributes.clusterList == [IPv4Address("10.0.0.1")!.value], "\(node)")
            #expect(best?.attributes.nextHop == IPAddress("10.1.0.2"), "\(node): the reflector keeps the next hop")
        }
        // A non-client's route reaches the clients only.
        #expect(mesh.best("c1", "10.244.4.0/26") != nil)
        #expect(mesh.best("c2", "10.244.4.0/26") != nil)
        #expect(mesh.best("n2", "10.244.4.0/26") == nil)
        // Never back to its originator: c1 holds only its own path.
        #expect(mesh.nodes["c1"]!.rib.locRIB.paths(IPPrefix("10.244.1.0/26")!).count == 1)
    }

    /// A reflected route that comes back to a speaker whose router ID is its ORIGINATOR_ID, or to
    /// a reflector whose cluster ID is in CLUSTER_LIST, is dropped (RFC 4456 section 8).
    @Test func reflectionLoopsAreDropped() {
        var mesh = SpeakerMesh()
        mesh.add("rr1", asn: 64512, routerID: "10.0.0.1", clusterID: "10.9.9.9")
        mesh.add("rr2", asn: 64512, routerID: "10.0.0.2", clusterID: "10.9.9.9")
        mesh.add("c", asn: 64512, routerID: "10.0.0.3")
        mesh.link("rr1", "10.1.0.1", "c", "10.1.0.3", aSeesBAsClient: true)
        mesh.link("rr2", "10.2.0.2", "c", "10.2.0.3", aSeesBAsClient: true)
        mesh.link("rr1", "10.3.0.1", "rr2", "10.3.0.2")
        mesh.establish("rr1", "c")
        mesh.establish("rr2", "c")
        mesh.establish("rr1", "rr2")
        mesh.originate("c", ["10.244.9.0/26"])
        // rr2 hears it from c directly; the copy reflected by rr1 carries the shared cluster ID.
        #expect(mesh.nodes["rr2"]!.rib.locRIB.paths(IPPrefix("10.244.9.0/26")!).count == 1)
        #expect(mesh.best("rr2", "10.244.9.0/26")?.peer.address == IPAddress("10.2.0.3"))
    }

    /// RFC 4271 section 9.2: without reflection, an iBGP route is not passed to another iBGP peer.
    @Test func noInternalToInternalWithoutReflection() {
        var mesh = SpeakerMesh()
        mesh.add("a", asn: 64512, routerID: "10.0.0.1")
        mesh.add("b", asn: 64512, routerID: "10.0.0.2")
        mesh.add("c", asn: 64512, routerID: "10.0.0.3")
        mesh.link("a", "10.1.0.1", "b", "10.1.0.2")
        mesh.link("b", "10.2.0.2", "c", "10.2.0.3")
        mesh.establish("a", "b")
        mesh.establish("b", "c")
        mesh.originate("a", ["10.244.1.0/26"])
        #expect(mesh.best("b", "10.244.1.0/26")?.peer.address == IPAddress("10.1.0.1"))
        #expect(mesh.best("c", "10.244.1.0/26") == nil)
        // b's own routes still go to both.
        mesh.originate("b", ["10.244.2.0/26"])
        #expect(mesh.best("a", "10.244.2.0/26") != nil && mesh.best("c", "10.244.2.0/26") != nil)
    }

    /// RFC 4271 section 5.1: toward eBGP our AS goes in front and we become the next hop; LOCAL_PREF stays home.
    @Test func externalNextHopSelfAndPrepend() {
        var mesh = SpeakerMesh()
        mesh.add("a", asn: 65001, routerID: "10.0.0.1")
        mesh.add("b", asn: 65000, routerID: "10.0.0.2")
        mesh.add("c", asn: 65002, routerID: "10.0.0.3")
        mesh.link("a", "192.0.2.1", "b", "192.0.2.2")
        mesh.link("b", "198.51.100.2", "c", "198.51.100.3")
        mesh.establish("a", "b")
        mesh.establish("b", "c")
        mesh.originate("a", ["10.244.1.0/26"])
        let atB = mesh.best("b", "10.244.1.0/26")
        #expect(atB?.attributes.attributes.asPath == ASPath(sequence: [65001]))
        #expect(atB?.attributes.nextHop == IPAddress("192.0.2.1"))
        let atC = mesh.best("c", "10.244.1.0/26")
        #expect(atC?.attributes.attributes.asPath == ASPath(sequence: [65000, 65001]))
        #expect(atC?.attributes.nextHop == IPAddress("198.51.100.2"))
        #expect(atC?.attributes.attributes.localPref == nil)
        // And the loop: c's path back to a would contain 65001, so a ignores it (AS loop).
        mesh.link("c", "203.0.113.3", "a", "203.0.113.1")
        mesh.establish("c", "a")
        #expect(mesh.nodes["a"]!.rib.locRIB.paths(IPPrefix("10.244.1.0/26")!).count == 1)
    }

    /// A withdrawal travels the same way, and reaches only the peers that had the route.
    @Test func withdrawalsFollowTheAdjRIBOut() {
        var mesh = SpeakerMesh()
        mesh.add("a", asn: 65001, routerID: "10.0.0.1")
        mesh.add("b", asn: 65000, routerID: "10.0.0.2")
        mesh.add("c", asn: 65002, routerID: "10.0.0.3")
        mesh.link("a", "192.0.2.1", "b", "192.0.2.2")
        mesh.link("b", "198.51.100.2", "c", "198.51.100.3")
        mesh.establish("a", "b")
        mesh.establish("b", "c")
        mesh.originate("a", ["10.244.1.0/26", "10.244.2.0/26"])
        mesh.originate("a", ["10.244.2.0/26"])
        #expect(mesh.best("c", "10.244.1.0/26") == nil)
        #expect(mesh.best("c", "10.244.2.0/26") != nil)
        // b never sends a the withdrawal of a route it never announced to a (split horizon).
        let toA = mesh.sent["b"]?["a"] ?? []
        let withdrawnToA = toA.flatMap { if case .update(let u) = $0 { u.withdrawn } else { [] } }
        #expect(withdrawnToA.isEmpty)
    }

    /// New peers get the whole table, then End-of-RIB per family.
    @Test func newPeerGetsTheTableThenEndOfRIB() {
        var mesh = SpeakerMesh()
        mesh.add("a", asn: 64512, routerID: "10.0.0.1")
        mesh.add("b", asn: 64512, routerID: "10.0.0.2")
        mesh.link("a", "10.1.0.1", "b", "10.1.0.2")
        mesh.originate("a", ["10.244.1.0/26", "10.244.2.0/26"])
        mesh.establish("a", "b")
        let toB = mesh.sent["a"]?["b"] ?? []
        guard toB.count == 3, case .update(let u) = toB[0], case .endOfRIB(.ipv4Unicast) = toB[1], case .endOfRIB(.ipv6Unicast) = toB[2] else {
            Issue.record("expected one UPDATE then End-of-RIB for IPv4 and IPv6, got \(toB)")
            return
        }
        #expect(u.announcedCount == 2)
        #expect(mesh.nodes["a"]!.rib.counts(of: IPAddress("10.1.0.2")!)?.advertised == 2)
        #expect(mesh.nodes["b"]!.rib.counts(of: IPAddress("10.1.0.1")!) == RIBPeerCounts(received: 2, accepted: 2, advertised: 0))
    }
}
