import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// Import and export policy as the speaker's RIB applies them, as tables.
@Suite struct SpeakerRIBPolicyTests {
    static let me = SpeakerIdentity(localAS: 64512, routerID: IPv4Address(10, 0, 0, 1))

    static func attributes(path: [UInt32] = [65000], communities: [Community] = []) -> RouteAttributes {
        var a = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: path))),
                                PathAttribute(.nextHop(IPv4Address(192, 0, 2, 1)))])
        if !communities.isEmpty { a.set(.communities(communities)) }
        return RouteAttributes(attributes: a, nextHop: IPAddress("192.0.2.1"))
    }

    static let pool = RoutePolicy.within("pool", pools: [IPPrefix("10.244.0.0/16")!], ge: 26, le: 26)
    static let preferTagged = RoutePolicy(name: "prefer-tagged", terms: [
        .init(.init(communities: [Community(asn: 65000, value: 7)]), modifications: [.setLocalPref(200)], .accept),
        .init(.any, .accept),
    ])

    struct ImportRow: Sendable, CustomTestStringConvertible {
        var name: String
        var policy: RoutePolicy
        var prefixes: [String]
        var attributes: RouteAttributes = SpeakerRIBPolicyTests.attributes()
        var accepted: [String]
        var localPref: UInt32? = nil
        var testDescription: String { name }
    }

    static let importRows: [ImportRow] = [
        ImportRow(name: "all takes everything", policy: .all, prefixes: ["10.244.1.0/26", "0.0.0.0/0"], accepted: ["10.244.1.0/26", "0.0.0.0/0"]),
        ImportRow(name: "none takes nothing", policy: .none, prefixes: ["10.244.1.0/26"], accepted: []),
        ImportRow(name: "RFC 8212: eBGP without policy takes nothing", policy: .effective(nil, external: true), prefixes: ["10.244.1.0/26"], accepted: []),
        ImportRow(name: "RFC 8212: iBGP without policy takes everything", policy: .effective(nil, external: false), prefixes: ["10.244.1.0/26"], accepted: ["10.244.1.0/26"]),
        ImportRow(name: "default-route takes only 0.0.0.0/0", policy: .defaultRoute, prefixes: ["0.0.0.0/0", "10.0.0.0/8"], accepted: ["0.0.0.0/0"]),
        ImportRow(name: "pool blocks: inside, right length only", policy: pool,
                  prefixes: ["10.244.1.0/26", "10.244.0.0/16", "10.245.0.0/26", "10.244.2.64/26"], accepted: ["10.244.1.0/26", "10.244.2.64/26"]),
        ImportRow(name: "a term sets LOCAL_PREF on tagged routes", policy: preferTagged, prefixes: ["10.1.0.0/24"],
                  attributes: attributes(communities: [Community(asn: 65000, value: 7)]), accepted: ["10.1.0.0/24"], localPref: 200),
        ImportRow(name: "our AS in AS_PATH: dropped whatever the policy", policy: .all, prefixes: ["10.1.0.0/24"],
                  attributes: attributes(path: [65000, 64512]), accepted: []),
    ]

    @Test(arguments: importRows)
    func importPolicy(_ row: ImportRow) {
        var rib = SpeakerRIB(identity: Self.me)
        let peer = IPAddress("192.0.2.1")!
        _ = rib.setPeer(RIBPeerSettings(address: peer, asn: 65000, isExternal: true, importPolicy: row.policy, exportPolicy: .none))
        _ = rib.sessionEstablished(peer, EstablishedPeer(routerID: IPv4Address(192, 0, 2, 1), families: [.ipv4Unicast],
                                                          nextHopSelfV4: IPAddress("192.0.2.2"), nextHopSelfV6: nil))
        let out = rib.received(withdrawn: [], announced: [RouteGroup(attributes: row.attributes, prefixes: row.prefixes.map { IPPrefix($0)! })], from: peer)
        #expect(Set(out.changes.map { "\($0.prefix)" }) == Set(row.accepted))
        #expect(Set(rib.locRIB.routes.map { "\($0.prefix)" }) == Set(row.accepted))
        if let lp = row.localPref { #expect(rib.locRIB.routes.first?.attributes.attributes.localPref == lp) }
    }

    /// A route accepted once and rejected by a later announcement leaves the Loc-RIB.
    @Test func aRejectedReannouncementWithdraws() {
        var rib = SpeakerRIB(identity: Self.me)
        let peer = IPAddress("192.0.2.1")!
        _ = rib.setPeer(RIBPeerSettings(address: peer, asn: 65000, isExternal: true, importPolicy: .all, exportPolicy: .none))
        _ = rib.sessionEstablished(peer, EstablishedPeer(routerID: IPv4Address(192, 0, 2, 1), families: [.ipv4Unicast],
                                                          nextHopSelfV4: IPAddress("192.0.2.2"), nextHopSelfV6: nil))
        _ = rib.received(withdrawn: [], announced: [RouteGroup(attributes: Self.attributes(), prefixes: [IPPrefix("10.1.0.0/24")!])], from: peer)
        let out = rib.received(withdrawn: [], announced: [RouteGroup(attributes: Self.attributes(path: [65000, 64512]), prefixes: [IPPrefix("10.1.0.0/24")!])], from: peer)
        #expect(out.changes == [RIBChange(prefix: IPPrefix("10.1.0.0/24")!, best: nil)])
        #expect(out.warnings.first?.message.contains("AS_PATH contains our AS") == true)
    }

    struct ExportRow: Sendable, CustomTestStringConvertible {
        var name: String
        var policy: RoutePolicy
        var external: Bool
        var prefixes: [String]
        var sent: [String]
        var testDescription: String { name }
    }

    static let exportRows: [ExportRow] = [
        ExportRow(name: "eBGP, RFC 8212 default: nothing", policy: .effective(nil, external: true), external: true, prefixes: ["10.244.1.0/26"], sent: []),
        ExportRow(name: "iBGP, RFC 8212 default: everything", policy: .effective(nil, external: false), external: false, prefixes: ["10.244.1.0/26"], sent: ["10.244.1.0/26"]),
        ExportRow(name: "eBGP, blocks only", policy: pool, external: true, prefixes: ["10.244.1.0/26", "10.9.0.0/16"], sent: ["10.244.1.0/26"]),
        ExportRow(name: "eBGP, all", policy: .all, external: true, prefixes: ["10.244.1.0/26", "10.9.0.0/16"], sent: ["10.244.1.0/26", "10.9.0.0/16"]),
    ]

    @Test(arguments: exportRows)
    func exportPolicy(_ row: ExportRow) {
        var rib = SpeakerRIB(identity: Self.me)
        let peer = IPAddress("192.0.2.1")!
        _ = rib.setPeer(RIBPeerSettings(address: peer, asn: row.external ? 65000 : 64512, isExternal: row.external,
                                        importPolicy: .none, exportPolicy: row.policy))
        _ = rib.originate(row.prefixes.map { LocalRoute(prefix: IPPrefix($0)!) })
        let out = rib.sessionEstablished(peer, EstablishedPeer(routerID: IPv4Address(192, 0, 2, 1), families: [.ipv4Unicast],
                                                                nextHopSelfV4: IPAddress("192.0.2.2"), nextHopSelfV6: nil))
        let sent = (out.messages[peer] ?? []).flatMap { m -> [String] in
            if case .update(let u) = m { u.announcements.flatMap { $0.ipv4.map { "\($0)" } } } else { [] }
        }
        #expect(Set(sent) == Set(row.sent))
        #expect(rib.counts(of: peer)?.advertised == row.sent.count)
    }

    /// A new export policy sends the difference at once; a new import policy asks for the routes again.
    @Test func changingPoliciesAtRunTime() {
        var rib = SpeakerRIB(identity: Self.me)
        let peer = IPAddress("192.0.2.1")!
        var settings = RIBPeerSettings(address: peer, asn: 65000, isExternal: true, importPolicy: .all, exportPolicy: .all)
        _ = rib.setPeer(settings)
        _ = rib.originate([LocalRoute(prefix: IPPrefix("10.244.1.0/26")!), LocalRoute(prefix: IPPrefix("10.9.0.0/16")!)])
        _ = rib.sessionEstablished(peer, EstablishedPeer(routerID: IPv4Address(192, 0, 2, 1), families: [.ipv4Unicast],
                                                          nextHopSelfV4: IPAddress("192.0.2.2"), nextHopSelfV6: nil))
        settings.exportPolicy = Self.pool
        let narrowed = rib.setPeer(settings)
        guard case .update(let u)? = narrowed.messages[peer]?.first else { Issue.record("no UPDATE after the export change"); return }
        #expect(u.withdrawn == [IPPrefix("10.9.0.0/16")!])
        settings.importPolicy = .none
        let refreshed = rib.setPeer(settings)
        guard case .routeRefresh(let r)? = refreshed.messages[peer]?.first else { Issue.record("no ROUTE-REFRESH after the import change"); return }
        #expect(r == RouteRefreshMessage(family: .ipv4Unicast))
    }

    /// Without route refresh support, a new import policy can only take effect by a reset.
    @Test func importChangeWithoutRouteRefreshResets() {
        var rib = SpeakerRIB(identity: Self.me)
        let peer = IPAddress("192.0.2.1")!
        var settings = RIBPeerSettings(address: peer, asn: 65000, isExternal: true, importPolicy: .all, exportPolicy: .all)
        _ = rib.setPeer(settings)
        _ = rib.sessionEstablished(peer, EstablishedPeer(routerID: IPv4Address(192, 0, 2, 1), families: [.ipv4Unicast],
                                                          nextHopSelfV4: IPAddress("192.0.2.2"), nextHopSelfV6: nil, routeRefresh: false))
        settings.importPolicy = .none
        guard case .reset(let reason)? = rib.setPeer(settings).messages[peer]?.first else { Issue.record("no reset"); return }
        #expect(reason.contains("route refresh"))
    }

    /// Maximum prefix (RFC 4486) counts accepted routes.
    @Test func maximumPrefixCountsAcceptedRoutes() {
        var rib = SpeakerRIB(identity: Self.me)
        let peer = IPAddress("192.0.2.1")!
        _ = rib.setPeer(RIBPeerSettings(address: peer, asn: 65000, isExternal: true, importPolicy: Self.pool, exportPolicy: .none, maxPrefixes: 2))
        _ = rib.sessionEstablished(peer, EstablishedPeer(routerID: IPv4Address(192, 0, 2, 1), families: [.ipv4Unicast],
                                                          nextHopSelfV4: IPAddress("192.0.2.2"), nextHopSelfV6: nil))
        // Three announced, one rejected by policy: within the limit.
        let ok = rib.received(withdrawn: [], announced: [RouteGroup(attributes: Self.attributes(),
            prefixes: ["10.244.1.0/26", "10.244.2.0/26", "10.9.0.0/16"].map { IPPrefix($0)! })], from: peer)
        #expect(ok.messages[peer] == nil)
        let over = rib.received(withdrawn: [], announced: [RouteGroup(attributes: Self.attributes(), prefixes: [IPPrefix("10.244.3.0/26")!])], from: peer)
        guard case .maximumPrefixExceeded(.ipv4Unicast, 2)? = over.messages[peer]?.first else { Issue.record("limit not enforced"); return }
    }
}
