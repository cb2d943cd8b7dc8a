import Testing
import Netlink
import Policy
import PolicyKernel

/// Rules are written straight into the batch with libmnl; the bytes are exactly what libnftnl
/// builds for the same rule (a rule object, an object per expression), for every kind of
/// expression and every rule the layout makes.
@Suite struct NFTRuleEncodingTests {
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
