import Testing
import TestScheduling
import Policy

/// The precedence rules of `PolicyCompiler`, as a table: policies, a first packet, the decision.
@Suite(.blockingWork) struct PrecedenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var policies: [String]
        var defaultAction: PolicyAction = .allow
        var packet: (src: String, dst: String, proto: IPProtocolNumber, port: UInt16?)
        var expected: String
        var testDescription: String { "\(policies) \(packet.src)→\(packet.dst) \(packet.proto) \(packet.port.map(String.init) ?? "-") ⇒ \(expected)" }
    }

    @Test(arguments: [
        // No policy: the default.
        Case(policies: [], packet: ("lamp", "lnmp", .tcp, 80), expected: "default allow"),
        Case(policies: [], defaultAction: .deny, packet: ("lamp", "lnmp", .tcp, 80), expected: "default deny"),
        // deny A B covers both directions; --one-way only A → B.
        Case(policies: ["deny lamp lnmp"], packet: ("lamp", "lnmp", .icmp, nil), expected: "deny #1"),
        Case(policies: ["deny lamp lnmp"], packet: ("lnmp", "lamp", .udp, 53), expected: "deny #1"),
        Case(policies: ["deny lamp lnmp --one-way"], packet: ("lamp", "lnmp", .tcp, 80), expected: "deny #1"),
        Case(policies: ["deny lamp lnmp --one-way"], packet: ("lnmp", "lamp", .tcp, 80), expected: "default allow"),
        Case(policies: ["deny lamp lnmp"], packet: ("lamp", "web", .tcp, 80), expected: "default allow"),
        // Same network: always allowed, even under default deny.
        Case(policies: ["deny lamp lnmp"], defaultAction: .deny, packet: ("lamp", "lamp", .tcp, 80), expected: "accept"),
        // Pseudo-networks among themselves are not container traffic.
        Case(policies: [], defaultAction: .deny, packet: ("world", "host", .tcp, 22), expected: "accept"),
        Case(policies: [], defaultAction: .deny, packet: ("lamp", "host", .tcp, 22), expected: "default deny"),
        Case(policies: ["deny world host --proto tcp --port 22"], defaultAction: .deny, packet: ("world", "host", .tcp, 22), expected: "deny #1"),
        // More specific wins: proto+port > proto > any.
        Case(policies: ["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 80"], packet: ("lamp", "lnmp", .tcp, 80), expected: "allow #2"),
        Case(policies: ["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 80"], packet: ("lnmp", "lamp", .tcp, 80), expected: "allow #2"),
        Case(policies: ["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 80"], packet: ("lamp", "lnmp", .tcp, 81), expected: "deny #1"),
        Case(policies: ["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 80"], packet: ("lamp", "lnmp", .udp, 80), expected: "deny #1"),
        Case(policies: ["deny lamp lnmp", "allow lamp lnmp --proto tcp"], packet: ("lamp", "lnmp", .tcp, 443), expected: "allow #2"),
        Case(policies: ["allow lamp lnmp --proto udp", "deny lamp lnmp --proto udp --port 53"], packet: ("lamp", "lnmp", .udp, 53), expected: "deny #2"),
        Case(policies: ["deny lamp lnmp --proto icmp"], packet: ("lamp", "lnmp", .icmpv6, nil), expected: "deny #1"),
        Case(policies: ["deny lamp lnmp --proto icmp"], packet: ("lamp", "lnmp", .tcp, 80), expected: "default allow"),
        // Between equals, deny wins, whatever the order of creation.
        Case(policies: ["allow lamp lnmp", "deny lamp lnmp"], packet: ("lamp", "lnmp", .tcp, 80), expected: "deny #2"),
        Case(policies: ["deny lamp lnmp --proto tcp", "allow lamp lnmp --proto tcp"], packet: ("lamp", "lnmp", .tcp, 80), expected: "deny #1"),
        Case(policies: ["allow lamp lnmp --proto tcp --port 80-90", "deny lamp lnmp --proto tcp --port 85"], packet: ("lamp", "lnmp", .tcp, 85), expected: "deny #2"),
        Case(policies: ["allow lamp lnmp --proto tcp --port 80-90", "deny lamp lnmp --proto tcp --port 85"], packet: ("lamp", "lnmp", .tcp, 84), expected: "allow #1"),
        Case(policies: ["allow lamp lnmp --proto tcp --port 80-90", "deny lamp lnmp --proto tcp --port 85"], packet: ("lamp", "lnmp", .tcp, 86), expected: "allow #1"),
        Case(policies: ["allow lamp lnmp --proto tcp --port 80-90", "deny lamp lnmp --proto tcp --port 85"], packet: ("lamp", "lnmp", .tcp, 91), expected: "default allow"),
        // A one-way deny against a two-way allow of the same level: deny wins in its direction only.
        Case(policies: ["allow lamp lnmp", "deny lnmp lamp --one-way"], defaultAction: .deny, packet: ("lnmp", "lamp", .tcp, 80), expected: "deny #2"),
        Case(policies: ["allow lamp lnmp", "deny lnmp lamp --one-way"], defaultAction: .deny, packet: ("lamp", "lnmp", .tcp, 80), expected: "allow #1"),
    ])
    func decides(c: Case) throws {
        let book = try PolicyBook.make(c.policies, default: c.defaultAction)
        let ruleset = PolicyCompiler.compile(book)
        let p = c.packet
        #expect(ruleset.decide(book, p.src, p.dst, p.proto, p.port) == c.expected)
    }

    @Test func overlappingPortRangesBecomeDisjointElements() throws {
        let book = try PolicyBook.make(["allow lamp lnmp --proto tcp --port 80-90 --one-way",
                                        "deny lamp lnmp --proto tcp --port 85-100 --one-way"])
        let r = PolicyCompiler.compile(book)
        let ranges = r.portVerdicts.sorted { $0.key < $1.key }.map { "\($0.key.ports)=\($0.value == .policy(PolicyID(rawValue: 1)) ? "allow" : "deny")" }
        #expect(ranges == ["80-84=allow", "85-100=deny"])
    }
}
