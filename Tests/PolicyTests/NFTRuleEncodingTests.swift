import Testing
import TestScheduling
import Netlink
import Policy
import PolicyKernel
import IPAddressing

/// Rules are written straight into the batch with libmnl; the bytes are exactly what libnftnl
/// builds for the same rule (a rule object, an object per expression), for every kind of
/// expression and every rule the layout makes.
@Suite(.blockingWork) struct NFTRuleEncodingTests {
    static let r0 = NFTRegister.reg32(0), r1 = NFTRegister.reg32(1)

    static func direct(_ x: [NFTExpression], comment: String?) throws -> [UInt8] {
        let b = NFTBatch(family: .inet, table: "routed", firstSequence: 500)
        try b.addRule(chain: "from-6bf0ef3b", x, comment: comment)
        return b.messageBytes[1]   // after `batch begin`
    }

    @Test(arguments: [
        ([.payload(.network, offset: 16, length: 4, into: r0)], nil),                                   // ip daddr
        ([.meta(.nfproto, into: r0), .compare(r0, equal: true, [2])], nil),                             // meta nfproto ipv4
        ([.ctState(into: r0), .bitwise(r0, mask: [6, 0, 0, 0], xor: [0, 0, 0, 0]),
          .compare(r0, equal: false, [0, 0, 0, 0]), .verdict(.accept)], nil),                           // ct state established,related accept
        ([.range(r0, from: [0x1f, 0x40], to: [0x1f, 0x90])], nil),                                      // 8000-8080
        ([.meta(.l4proto, into: r0), .hostToNetwork(from: r0, into: r0, length: 1, size: 2),
          .payload(.transport, offset: 2, length: 2, into: r1),
          .lookup(set: "ports-1-2", setID: 7, from: r0, into: .verdict, inverted: false)], nil),        // vmap of a new map
        ([.meta(.iifname, into: r0), .lookup(set: "spoof4", setID: nil, from: r0, into: nil, inverted: true)], nil),  // != @spoof4
        ([.immediate(r0, [1, 2, 3, 4])], nil),
        ([.verdict(.goto("p3"))], nil), ([.verdict(.jump("from-44cbad52"))], nil), ([.verdict(.drop)], nil),
        ([.counter, .log(prefix: "routed p3 allow "), .verdict(.accept)], "p3"),                        // a policy folded in
        ([.counter, .verdict(.drop)], String(repeating: "x", count: 200)),                               // a long comment is cut at 127
    ] as [([NFTExpression], String?)])
    func everyExpressionIsWrittenAsLibnftnlWritesIt(expressions: [NFTExpression], comment: String?) throws {
        let reference = try NFTBatch.libnftnlRuleMessage(family: .inet, table: "routed", chain: "from-6bf0ef3b", expressions,
                                                         comment: comment.map { String($0.prefix(127)) }, sequence: 501)
        let ours = try Self.direct(expressions, comment: comment)
        #expect(ours == reference, "ours \(ours.map { String($0, radix: 16) })\nlibnftnl \(reference.map { String($0, radix: 16) })")
    }

    /// A destination rule is written from integers on the full load's hot path; the bytes are
    /// those of its expressions (`RulesetProgram.destination`), for every form: a prefix, a
    /// single address, a range, IPv6, a protocol, a port, a port range, a policy with a log.
    @Test(arguments: [
        DestinationMatch(v6: false, first: 0x0A00_0100, last: 0x0A00_01FF, proto: .tcp, ports: try! PortRange(8000, 8080),
                         verdict: .policy(PolicyVerdict(id: PolicyID(rawValue: 3), action: .allow, log: true))),
        DestinationMatch(v6: false, first: 0xC000_020A, last: 0xC000_020A, verdict: .target(.accept)),
        DestinationMatch(v6: false, first: 0x0A00_0000, last: 0x0A00_004C, proto: .udp,
                         verdict: .policy(PolicyVerdict(id: PolicyID(rawValue: 4), action: .deny, log: false))),
        DestinationMatch(v6: true, first: UInt128(0x2001_0db8_0001_0000) << 64, last: UInt128(0x2001_0db8_0001_0000) << 64 | UInt128(UInt64.max),
                         proto: .tcp, ports: try! PortRange(80, 80), verdict: .target(.chain("p2"))),
        DestinationMatch(v6: true, first: 1, last: 9, proto: .icmpv6, verdict: .target(.jump("from-1"))),
        DestinationMatch(v6: false, first: 0x0A00_0010, last: 0x0A00_001F, proto: .tcp, ports: try! PortRange(1002, 1002),
                         verdict: .policy(PolicyVerdict(id: PolicyID(rawValue: 1002), action: .allow, log: false))),
    ])
    func aDestinationRuleWrittenInPlaceIsItsExpressions(match: DestinationMatch) throws {
        let inPlace = NFTBatch(family: .inet, table: "routed", firstSequence: 1)
        let rule = LayoutRule.destination(match)
        try RulesetProgram.rules("from-1", [rule], into: inPlace, ids: [:])
        let viaEnum = NFTBatch(family: .inet, table: "routed", firstSequence: 1)
        try viaEnum.addRule(chain: "from-1", RulesetProgram.expressions(rule), comment: rule.comment)
        #expect(inPlace.messageBytes[1] == viaEnum.messageBytes[1])
    }

    /// Every rule of the representative table, as `RulesetProgram` makes it.
    @Test func everyRuleOfTheRepresentativeTable() throws {
        let t = try NFTKernelTests.model().layout
        var rules = 0
        for (name, chain) in t.chains {
            for r in chain.rules {
                let x = RulesetProgram.expressions(r, ids: ["src4": 1])
                let b = NFTBatch(family: .inet, table: "routed", firstSequence: 10)
                try b.addRule(chain: name, x, comment: r.comment)
                #expect(b.messageBytes[1] == (try NFTBatch.libnftnlRuleMessage(family: .inet, table: "routed", chain: name, x, comment: r.comment, sequence: 11)),
                        "\(name): \(r.nftText)")
                rules += 1
            }
        }
        #expect(rules > 30)
    }
}

/// Elements written in place (the full load's path) are the bytes of the same elements built
/// as `NFTElement`s, cut into the same messages.
@Suite(.blockingWork) struct NFTElementWriterTests {
    static func both(_ set: String, _ els: [LayoutElement], setID: UInt32? = 3) throws -> ([[UInt8]], [[UInt8]]) {
        let inPlace = NFTBatch(family: .inet, table: "routed", firstSequence: 1)
        try inPlace.addElements(set: set, setID: setID) { w in for e in els { RoutedSets.write(e, &w) } }
        let viaArray = NFTBatch(family: .inet, table: "routed", firstSequence: 1)
        try viaArray.addElements(set: set, setID: setID, els.flatMap(RoutedSets.elements))
        return (inPlace.messageBytes, viaArray.messageBytes)
    }

    @Test func everyMapOfTheRepresentativeTable() throws {
        let t = try NFTKernelTests.model().layout
        for name in t.orderedMapNames {
            let (a, b) = try Self.both(name, LayoutElement.ordered(t.maps[name]!.elements))
            #expect(a == b, "\(name)")
        }
    }

    /// 600 addresses and interfaces: three messages each (256 per message), the same cut.
    @Test func largeSetsAreCutTheSameWay() throws {
        let spoof = (0..<600).map { LayoutElement.spoof4("rdb\($0)", IPv4Address(0x0A00_0000 + UInt32($0))) }
        let (a, b) = try Self.both("spoof4", spoof, setID: nil)
        #expect(a.count == 4 && a == b)   // batch begin + 3 messages
        let src = (0..<600).map { LayoutElement.address4(first: UInt32($0) * 16, last: UInt32($0) * 16 + 15, .jump("from-00000001")) }
        let (c, d) = try Self.both("src4", src)
        #expect(c.count == 6 && c == d)   // 1,200 kernel elements: 5 messages
        let six = (0..<3).map { LayoutElement.spoof6("rdb\($0)", IPv6Address(high: 0x2001_0db8_0000_0000, low: UInt64($0))) }
        + [LayoutElement.workload("rdb1"), .address6(first: 0, last: 9, .accept)]
        let (e, f) = try Self.both("mixed", six)
        #expect(e == f)
    }
}
