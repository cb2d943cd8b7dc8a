import Foundation
import Testing
import TestScheduling

/// Bad arguments are refused by the CLI itself, before any request: each case points `--socket` at
/// a path where no agent is, so a command that sent anything would say "no routed agent" instead.
@Suite(.blockingWork) struct ArgumentErrorTests {
    static let nowhere = "/tmp/routed-nowhere-\(UUID().uuidString.prefix(8)).sock"

    struct Case: Sendable, CustomTestStringConvertible {
        var args: [String]
        var says: String
        var testDescription: String { args.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(args: ["routes", "--prefix", "10.244.0.0/33"], says: "--prefix 10.244.0.0/33: not a prefix in CIDR notation"),
        Case(args: ["routes", "--prefix", "lamp"], says: "--prefix lamp: not a prefix in CIDR notation"),
        Case(args: ["peer", "add", "not-an-address,as=65000"], says: "'not-an-address' is not an IPv4 or IPv6 address"),
        Case(args: ["peer", "add", "192.0.2.1,as=0"], says: "'as=0' needs a number in 1...4294967295"),
        Case(args: ["peer", "add", "192.0.2.1,hold=2"], says: "hold must be 0 or at least 3 seconds"),
        Case(args: ["peer", "add", "192.0.2.1,import="], says: "'import=' needs a route policy name"),
        Case(args: ["peer", "add", "192.0.2.1,colour=blue"], says: "unknown option 'colour=blue'"),
        Case(args: ["peer", "del", "host1"], says: "peer del host1: not an IPv4 or IPv6 address"),
        Case(args: ["network", "create", "LAMP"], says: "invalid network name 'LAMP'"),
        Case(args: ["network", "create", "world"], says: "'world' is a pseudo-network"),
        Case(args: ["network", "del", "a/b"], says: "invalid network name 'a/b'"),
        Case(args: ["endpoint", "add", "web1", "--network", "lamp"], says: "say which namespace: --netns PATH or --pid N"),
        Case(args: ["endpoint", "add", "web1", "--netns", "/run/netns/web1", "--pid", "42", "--network", "lamp"],
             says: "--netns and --pid both name a namespace: give only one"),
        Case(args: ["endpoint", "add", "web1", "--netns", "web1", "--network", "lamp"], says: "give the namespace file's absolute path"),
        Case(args: ["endpoint", "add", "web1", "--pid", "0", "--network", "lamp"], says: "--pid 0: a process id is a positive number"),
        Case(args: ["endpoint", "add", "web1", "--pid", "x", "--network", "lamp"], says: "--pid"),
        Case(args: ["endpoint", "add", "web1", "--pid", "42", "--network", "lamp", "--ip", "10.244.0.256"],
             says: "--ip 10.244.0.256: not an IPv4 or IPv6 address"),
        Case(args: ["endpoint", "add", "web1", "--pid", "42", "--network", "lamp", "--ifname", "a-very-long-name0"],
             says: "--ifname a-very-long-name0: an interface name has 1 to 15 characters"),
        Case(args: ["endpoint", "add", "web 1", "--pid", "42", "--network", "lamp"], says: "invalid endpoint name 'web 1'"),
        Case(args: ["endpoint", "add", "web1", "--pid", "42"], says: "Missing expected argument '--network <net>'"),
        Case(args: ["policy", "deny", "lamp"], says: "Missing expected argument '<net-b>'"),
        Case(args: ["policy", "deny", "lamp", "lamp"], says: "a policy from 'lamp' to itself has no effect"),
        Case(args: ["policy", "deny", "lamp", "lnmp", "--proto", "sctp"], says: "The value 'sctp' is invalid for '--proto <proto>'"),
        Case(args: ["policy", "deny", "lamp", "lnmp", "--port", "80"], says: "--port 80 needs --proto tcp or --proto udp"),
        Case(args: ["policy", "deny", "lamp", "lnmp", "--proto", "icmp", "--port", "80"],
             says: "--port 80 cannot be used with --proto icmp"),
        Case(args: ["policy", "allow", "lamp", "lnmp", "--proto", "tcp", "--port", "90-80"],
             says: "the first port must not be above the last"),
        Case(args: ["policy", "allow", "lamp", "lnmp", "--proto", "tcp", "--port", "70000"], says: "'70000' is not a port number 1 to 65535"),
        Case(args: ["policy", "allow", "lamp", "lnmp", "--proto", "udp", "--port", "0"], says: "port 0 is not a port"),
        Case(args: ["policy", "del", "p7"], says: "policy del p7: a policy id is a number"),
        Case(args: ["policy", "default", "maybe"], says: "The value 'maybe' is invalid for '<action>'"),
        Case(args: ["status", "-o", "yaml"], says: "The value 'yaml' is invalid for '-o <output>'"),
        Case(args: ["ipam", "show", "--datastore", "mysql://x"], says: "Error"),
        Case(args: ["ipam", "show", "--datastore", "sqlite:/tmp/x.sqlite", "--socket", "/tmp/y.sock"], says: "give one or the other"),
        Case(args: ["network", "list", "--timeout", "0"], says: "--timeout 0: give 1 to 3600 seconds"),
    ]

    @Test(arguments: cases)
    func isRefusedBeforeAnythingIsSent(_ c: Case) throws {
        let result = try RoutedBinary.run(c.args + ["--socket", Self.nowhere])
        #expect(result.status != 0)
        #expect(result.err.contains(c.says), "\(result.err)")
        #expect(!result.err.contains("no routed agent"), "\(result.err)")
        #expect(result.out.isEmpty)
    }
}
