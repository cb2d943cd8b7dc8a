import Testing
import TestScheduling
import Policy

/// Bad input gets a typed error with a clear message and changes nothing.
@Suite(.blockingWork) struct PolicyBookTests {
    static func book() throws -> PolicyBook {
        var b = PolicyBook()
        try b.createNetwork("lamp")
        try b.createNetwork("lnmp")
        try b.add(b.rule(.deny, from: "lamp", to: "lnmp"))
        return b
    }

    @Test func addsAndRemovesWithSequentialIDs() throws {
        var b = try Self.book()
        let id = try b.add(b.rule(.allow, from: "lamp", to: "lnmp", proto: "tcp", port: "80"))
        #expect(id == PolicyID(rawValue: 2))
        #expect(b.sortedPolicies.map(\.rule.description) == ["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 80"])
        #expect(try b.remove(id).action == .allow)
        #expect(b.policies.count == 1)
    }

    struct BadInput: CustomTestStringConvertible, Sendable {
        var words: (action: PolicyAction, from: String, to: String, proto: String?, port: String?, oneWay: Bool)
        var expected: String
        var testDescription: String { expected }
    }

    @Test(arguments: [
        BadInput(words: (.deny, "lamp", "nosuch", nil, nil, false), expected: "unknown network 'nosuch'"),
        BadInput(words: (.deny, "Bad!", "lamp", nil, nil, false), expected: "invalid network name 'Bad!'"),
        BadInput(words: (.deny, "lamp", "lnmp", "tcp", "80-", false), expected: "malformed port range '80-'"),
        BadInput(words: (.deny, "lamp", "lnmp", "tcp", "90-80", false), expected: "malformed port range '90-80'"),
        BadInput(words: (.deny, "lamp", "lnmp", "tcp", "0", false), expected: "malformed port range '0'"),
        BadInput(words: (.deny, "lamp", "lnmp", "tcp", "65536", false), expected: "malformed port range '65536'"),
        BadInput(words: (.deny, "lamp", "lnmp", "tcp", "1-2-3", false), expected: "malformed port range '1-2-3'"),
        BadInput(words: (.deny, "lamp", "lnmp", "tcp", "http", false), expected: "malformed port range 'http'"),
        BadInput(words: (.deny, "lamp", "lnmp", "sctp", nil, false), expected: "unknown protocol 'sctp'"),
        BadInput(words: (.deny, "lamp", "lnmp", nil, "80", false), expected: "--port 80 needs --proto tcp or --proto udp"),
        BadInput(words: (.deny, "lamp", "lnmp", "icmp", "80", false), expected: "cannot be used with --proto icmp"),
        BadInput(words: (.deny, "lamp", "lamp", nil, nil, false), expected: "always allowed"),
        BadInput(words: (.deny, "lamp", "lnmp", nil, nil, false), expected: "already exists as policy 1"),
        BadInput(words: (.deny, "lnmp", "lamp", nil, nil, false), expected: "already exists as policy 1"),
    ])
    func badInputIsRefusedAndChangesNothing(input: BadInput) throws {
        var b = try Self.book()
        let before = b
        let w = input.words
        do {
            try b.add(b.rule(w.action, from: w.from, to: w.to, proto: w.proto, port: w.port, oneWay: w.oneWay))
            Issue.record("accepted bad input \(w)")
        } catch {
            #expect(error.description.contains(input.expected), "\(error.description)")
        }
        #expect(b == before)
    }

    @Test func oneWayIsNotADuplicateOfTwoWay() throws {
        var b = try Self.book()
        try b.add(b.rule(.deny, from: "lnmp", to: "lamp", oneWay: true))
        #expect(throws: PolicyError.self) { try b.add(b.rule(.deny, from: "lnmp", to: "lamp", oneWay: true)) }
        try b.add(b.rule(.deny, from: "lamp", to: "lnmp", oneWay: true))
        #expect(b.policies.count == 3)
    }

    @Test func unknownPolicyAndNetworkInUse() throws {
        var b = try Self.book()
        let before = b
        #expect(throws: PolicyError.unknownPolicy(PolicyID(rawValue: 9))) { try b.remove(PolicyID(rawValue: 9)) }
        #expect(throws: PolicyError.networkInUse(try NetworkName(validating: "lamp"), policies: [PolicyID(rawValue: 1)])) {
            try b.deleteNetwork(NetworkName(validating: "lamp"))
        }
        #expect(throws: PolicyError.networkExists(try NetworkName(validating: "lamp"))) { try b.createNetwork("lamp") }
        #expect(b == before)
    }

    @Test func pseudoNetworksCanBeNamedByPolicies() throws {
        var b = try Self.book()
        try b.add(b.rule(.deny, from: "world", to: "lamp", proto: "tcp", port: "22"))
        try b.add(b.rule(.allow, from: "lamp", to: "host", proto: "udp", port: "53"))
        #expect(b.policies.count == 3)
    }
}
