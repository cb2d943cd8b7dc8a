import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// RFC 4271 section 9.2, RFC 4456 section 8 and RFC 1997, as a table: a best route learned from a
/// kind of peer, offered to another kind, through a reflector or not.
@Suite struct PropagationTests {
    static let me = SpeakerIdentity(localAS: 64512, routerID: IPv4Address(10, 0, 0, 1))
    static let reflector = SpeakerIdentity(localAS: 64512, routerID: IPv4Address(10, 0, 0, 1), clusterID: IPv4Address(10, 0, 0, 1))

    static let ebgp = RIBPeer(address: IPAddress("192.0.2.1")!, asn: 65000, routerID: IPv4Address(192, 0, 2, 1), isExternal: true)
    static let ebgp2 = RIBPeer(address: IPAddress("192.0.2.5")!, asn: 65005, routerID: IPv4Address(192, 0, 2, 5), isExternal: true)
    static let ibgp = RIBPeer(address: IPAddress("10.0.0.2")!, asn: 64512, routerID: IPv4Address(10, 0, 0, 2), isExternal: false)
    static let ibgp2 = RIBPeer(address: IPAddress("10.0.0.3")!, asn: 64512, routerID: IPv4Address(10, 0, 0, 3), isExternal: false)
    static let client = RIBPeer(address: IPAddress("10.0.0.4")!, asn: 64512, routerID: IPv4Address(10, 0, 0, 4), isExternal: false, isReflectorClient: true)
    static let client2 = RIBPeer(address: IPAddress("10.0.0.5")!, asn: 64512, routerID: IPv4Address(10, 0, 0, 5), isExternal: false, isReflectorClient: true)
    static let local = RIBPeer.local(routerID: IPv4Address(10, 0, 0, 1), asn: 64512)

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var from: RIBPeer
        var to: RIBPeer
        var identity = PropagationTests.me
        var communities: [Community] = []
        var advertised: Bool
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "eBGP to eBGP", from: ebgp, to: ebgp2, advertised: true),
        Row(name: "eBGP to iBGP", from: ebgp, to: ibgp, advertised: true),
        Row(name: "iBGP to eBGP", from: ibgp, to: ebgp, advertised: true),
        Row(name: "iBGP to iBGP, no reflection", from: ibgp, to: ibgp2, advertised: false),
        Row(name: "back to its sender", from: ebgp, to: ebgp, advertised: false),
        Row(name: "local to everyone", from: local, to: ibgp, advertised: true),
        Row(name: "reflector: client to client", from: client, to: client2, identity: reflector, advertised: true),
        Row(name: "reflector: client to non-client", from: client, to: ibgp, identity: reflector, advertised: true),
        Row(name: "reflector: non-client to client", from: ibgp, to: client, identity: reflector, advertised: true),
        Row(name: "reflector: non-client to non-client", from: ibgp, to: ibgp2, identity: reflector, advertised: false),
        Row(name: "NO_EXPORT stays in the AS", from: ibgp, to: ebgp, communities: [.noExport], advertised: false),
        Row(name: "NO_EXPORT crosses iBGP", from: ebgp, to: ibgp, communities: [.noExport], advertised: true),
        Row(name: "NO_ADVERTISE goes nowhere", from: ebgp, to: ibgp, communities: [.noAdvertise], advertised: false),
    ]

    static func route(from peer: RIBPeer, communities: [Community] = [], med: UInt32? = 20) -> SelectedRoute {
        var a = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(peer.isExternal ? ASPath(sequence: [peer.asn]) : .empty)),
                                PathAttribute(.nextHop(IPv4Address(192, 0, 2, 99)))])
        if let med { a.set(.multiExitDisc(med)) }
        if !peer.isExternal { a.set(.localPref(150)) }
        if !communities.isEmpty { a.set(.communities(communities)) }
        return SelectedRoute(prefix: IPPrefix("10.244.1.0/26")!, peer: peer,
                             attributes: RouteAttributes(attributes: a, nextHop: IPAddress("192.0.2.99")), reason: .onlyPath, multipathNextHops: [])
    }

    @Test(arguments: rows)
    func whoGetsWhat(_ row: Row) {
        let out = Export.attributes(for: Self.route(from: row.from, communities: row.communities), to: row.to,
                                    identity: row.identity, nextHopSelf: IPAddress("192.0.2.254")!)
        #expect((out != nil) == row.advertised)
    }

    @Test func towardEBGPOurASGoesInFrontAndInternalAttributesStayHome() throws {
        let out = try #require(Export.attributes(for: Self.route(from: Self.ibgp), to: Self.ebgp, identity: Self.me,
                                                 nextHopSelf: IPAddress("192.0.2.254")!))
        #expect(out.attributes.asPath == ASPath(sequence: [64512]))
        #expect(out.attributes.localPref == nil && out.attributes.multiExitDisc == nil)
        #expect(out.attributes.nextHop == IPv4Address(192, 0, 2, 254) && out.nextHop == IPAddress("192.0.2.254"))
    }

    @Test func reflectionAddsOriginatorIDAndClusterList() throws {
        let out = try #require(Export.attributes(for: Self.route(from: Self.client), to: Self.client2, identity: Self.reflector,
                                                 nextHopSelf: IPAddress("10.0.0.1")!))
        #expect(out.attributes.originatorID == IPv4Address(10, 0, 0, 4))
        #expect(out.attributes.clusterList == [IPv4Address(10, 0, 0, 1).value])
        #expect(out.attributes.localPref == 150)
        #expect(out.nextHop == IPAddress("192.0.2.99"))  // a reflector keeps the next hop
    }

    @Test(arguments: [
        (ASPath(sequence: [65000, 64512]), nil, [], "AS_PATH contains our AS 64512"),
        (ASPath(sequence: [65000]), IPv4Address(10, 0, 0, 1), [], "ORIGINATOR_ID is our router ID"),
        (ASPath(sequence: [65000]), nil, [IPv4Address(10, 0, 0, 1).value], "CLUSTER_LIST contains our cluster ID"),
        (ASPath(sequence: [65000]), nil, [], nil),
    ] as [(ASPath, IPv4Address?, [UInt32], String?)])
    func loopsAreDetected(path: ASPath, originator: IPv4Address?, clusters: [UInt32], expected: String?) {
        var a = PathAttributes([PathAttribute(.asPath(path))])
        if let originator { a.set(.originatorID(originator)) }
        if !clusters.isEmpty { a.set(.clusterList(clusters)) }
        #expect(ImportCheck.loop(in: a, identity: Self.reflector) == expected)
    }

    /// Three speakers in memory: client A → reflector R → client B; B's Loc-RIB learns A's route
    /// with ORIGINATOR_ID A and CLUSTER_LIST [R], and offering it back to A through R is a loop.
    @Test func threeSpeakersWithAReflector() throws {
        let prefix = IPPrefix("10.244.7.0/26")!
        var r = LocRIB()
        let fromA = r.addPeer(Self.client)
        var a = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(.empty)), PathAttribute(.localPref(100)),
                                PathAttribute(.nextHop(IPv4Address(10, 0, 0, 4)))])
        a.set(.largeCommunities([LargeCommunity(64512, 1, 3)]))
        _ = r.announce([prefix], attributes: RouteAttributes(attributes: a, nextHop: IPAddress("10.0.0.4")), from: fromA)
        let best = try #require(r.best(prefix))
        let reflected = try #require(Export.attributes(for: best, to: Self.client2, identity: Self.reflector,
                                                       nextHopSelf: IPAddress("10.0.0.1")!))
        var b = LocRIB()
        let fromR = b.addPeer(RIBPeer(address: IPAddress("10.0.0.1")!, asn: 64512, routerID: IPv4Address(10, 0, 0, 1), isExternal: false))
        let bIdentity = SpeakerIdentity(localAS: 64512, routerID: IPv4Address(10, 0, 0, 5))
        #expect(ImportCheck.loop(in: reflected.attributes, identity: bIdentity) == nil)
        _ = b.announce([prefix], attributes: reflected, from: fromR)
        let learned = try #require(b.best(prefix))
        #expect(learned.attributes.attributes.originatorID == IPv4Address(10, 0, 0, 4))
        #expect(learned.attributes.nextHop == IPAddress("10.0.0.4"))
        #expect(learned.attributes.attributes.largeCommunities == [LargeCommunity(64512, 1, 3)])
        // A would see its own router ID as ORIGINATOR_ID: a loop.
        let aIdentity = SpeakerIdentity(localAS: 64512, routerID: IPv4Address(10, 0, 0, 4))
        #expect(ImportCheck.loop(in: reflected.attributes, identity: aIdentity) == "ORIGINATOR_ID is our router ID")
    }
}
