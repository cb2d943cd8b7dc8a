import Testing
import BGPWire
import IPAddressing
@testable import BGPCore

/// Prefix lists, terms, modifications, built-ins and the RFC 8212 defaults.
@Suite struct RoutePolicyTests {
    @Test(arguments: [
        // (entry, candidate, matches)
        ("10.0.0.0/8", nil, nil, "10.0.0.0/8", true),
        ("10.0.0.0/8", nil, nil, "10.1.0.0/16", false),          // exact length only without ge/le
        ("10.0.0.0/8", 24, 26, "10.1.2.0/24", true),
        ("10.0.0.0/8", 24, 26, "10.1.2.64/26", true),
        ("10.0.0.0/8", 24, 26, "10.1.2.128/27", false),           // longer than le
        ("10.0.0.0/8", 24, 26, "10.1.0.0/16", false),             // shorter than ge
        ("10.0.0.0/8", 24, nil, "10.1.2.3/32", true),             // ge alone: up to /32
        ("10.0.0.0/8", nil, 16, "10.1.0.0/16", true),             // le alone: from /8
        ("10.0.0.0/8", 24, 26, "11.1.2.0/24", false),             // outside
        ("2001:db8::/32", 48, 64, "2001:db8:1::/48", true),
        ("2001:db8::/32", 48, 64, "10.0.0.0/24", false),          // other family
    ] as [(String, UInt8?, UInt8?, String, Bool)])
    func prefixListEntries(entry: String, ge: UInt8?, le: UInt8?, candidate: String, matches: Bool) {
        #expect(PrefixList.Entry(IPPrefix(entry)!, ge: ge, le: le).matches(IPPrefix(candidate)!) == matches)
    }

    func route(_ path: [UInt32], communities: [Community] = [], large: [LargeCommunity] = []) -> RouteAttributes {
        var a = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: path))),
                                PathAttribute(.nextHop(IPv4Address(192, 0, 2, 1)))])
        if !communities.isEmpty { a.set(.communities(communities)) }
        if !large.isEmpty { a.set(.largeCommunities(large)) }
        return RouteAttributes(attributes: a, nextHop: IPAddress("192.0.2.1"))
    }

    @Test func firstMatchingTermDecidesAndModifies() throws {
        let policy = RoutePolicy(name: "gateway-in", terms: [
            .init(.init(asPathContains: 65066), .reject),
            .init(.init(largeCommunities: [LargeCommunity(64512, 1, 7)]), modifications: [.setLocalPref(300), .addCommunity(Community(asn: 64512, value: 1))], .accept),
            .init(.init(prefixes: PrefixList([.init(IPPrefix("10.0.0.0/8")!, ge: 8, le: 24)]), originAS: 65010),
                  modifications: [.prepend(64512, count: 2), .setMED(50)], .accept),
        ])
        #expect(policy.evaluate(IPPrefix("10.1.0.0/16")!, route([65010, 65066])) == nil)
        let tagged = try #require(policy.evaluate(IPPrefix("10.244.0.0/26")!, route([65001], large: [LargeCommunity(64512, 1, 7)])))
        #expect(tagged.attributes.localPref == 300 && tagged.attributes.communities == [Community(asn: 64512, value: 1)])
        let prepended = try #require(policy.evaluate(IPPrefix("10.1.0.0/16")!, route([65001, 65010])))
        #expect(prepended.attributes.asPath == ASPath(sequence: [64512, 64512, 65001, 65010]))
        #expect(prepended.attributes.multiExitDisc == 50)
        #expect(policy.evaluate(IPPrefix("192.168.0.0/16")!, route([65001])) == nil)  // default reject
    }

    @Test func builtIns() {
        let r = route([65000])
        #expect(RoutePolicy.all.evaluate(IPPrefix("10.0.0.0/8")!, r) != nil)
        #expect(RoutePolicy.none.evaluate(IPPrefix("10.0.0.0/8")!, r) == nil)
        #expect(RoutePolicy.defaultRoute.evaluate(IPPrefix("0.0.0.0/0")!, r) != nil)
        #expect(RoutePolicy.defaultRoute.evaluate(IPPrefix("10.0.0.0/8")!, r) == nil)
        let pool = RoutePolicy.within("pool", pools: [IPPrefix("10.244.0.0/16")!], ge: 26, le: 32)
        #expect(pool.evaluate(IPPrefix("10.244.1.0/26")!, r) != nil)
        #expect(pool.evaluate(IPPrefix("10.244.0.0/16")!, r) == nil)
        #expect(pool.evaluate(IPPrefix("10.245.1.0/26")!, r) == nil)
    }

    /// RFC 8212: no policy on an eBGP session means nothing in and nothing out.
    @Test func rfc8212Defaults() {
        #expect(RoutePolicy.effective(nil, external: true) == .none)
        #expect(RoutePolicy.effective(nil, external: false) == .all)
        #expect(RoutePolicy.effective(.defaultRoute, external: true) == .defaultRoute)
    }
}
