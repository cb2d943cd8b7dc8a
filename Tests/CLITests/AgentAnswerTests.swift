import RoutedTestKit
import AgentAPI
import Foundation
import Testing
import TestScheduling

/// The `routed` binary against a canned agent on a Unix socket: what it sends, what it prints
/// (text and `-o json`), and that an agent's refusal prints its message and hint and exits 1.
@Suite(.blockingWork) struct AgentAnswerTests {
    static func json(_ value: some Encodable) -> String { String(decoding: try! ControlAPI.encoder.encode(value), as: UTF8.self) }

    @Test func networkListPrintsTheTableAndJSON() async throws {
        let list = [NetworkInfo(name: "lamp", id: 3, endpoints: 2, prefixes: ["10.244.0.0/26"])]
        let server = try await CannedHTTPServer.start { _ in .init(status: 200, body: Self.json(list)) }
        defer { Task { await server.stop() } }

        let text = try RoutedBinary.run(["network", "list", "--socket", server.path])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out == "NAME  ID  ENDPOINTS  PREFIXES\nlamp  3   2          10.244.0.0/26\n")

        let json = try RoutedBinary.run(["network", "list", "-o", "json"], environment: ["ROUTED_SOCKET": server.path])
        #expect(json.status == 0, "\(json.err)")
        #expect(try ControlAPI.decoder.decode([NetworkInfo].self, from: Data(json.out.utf8)) == list)
        #expect(server.requests.map { "\($0.method) \($0.uri)" } == ["GET /v1/networks", "GET /v1/networks"])
    }

    @Test func endpointAddSendsTheRequestAndPrintsTheEndpoint() async throws {
        let endpoint = EndpointInfo(name: "web1", network: "lamp", addresses: ["10.244.0.2"], hostInterface: "rd0123456789ab",
                                    interfaceName: "eth0", netns: "/proc/4242/ns/net", containerID: nil)
        let server = try await CannedHTTPServer.start { _ in .init(status: 201, body: Self.json(endpoint)) }
        defer { Task { await server.stop() } }
        let result = try RoutedBinary.run(["endpoint", "add", "web1", "--pid", "4242", "--network", "lamp", "--ip", "10.244.0.2",
                                           "--socket", server.path])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out == "endpoint web1 on network lamp: 10.244.0.2 (eth0 in /proc/4242/ns/net, host side rd0123456789ab)\n")
        let sent = try #require(server.requests.first)
        #expect(sent.method == "POST" && sent.uri == "/v1/endpoints")
        #expect(try ControlAPI.decoder.decode(AddEndpointRequest.self, from: sent.body)
            == AddEndpointRequest(name: "web1", pid: 4242, network: "lamp", ip: "10.244.0.2"))
    }

    @Test func policyDenySendsBothNetworksAndTheMatch() async throws {
        let policy = PolicyInfo(id: "4", action: "deny", from: "lamp", to: "lnmp", proto: "udp", port: "53", oneWay: true, log: true,
                                packets: 0, bytes: 0)
        let server = try await CannedHTTPServer.start { _ in .init(status: 201, body: Self.json(policy)) }
        defer { Task { await server.stop() } }
        let result = try RoutedBinary.run(["policy", "deny", "lamp", "lnmp", "--proto", "udp", "--port", "53", "--one-way", "--log",
                                           "--socket", server.path])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out == "policy 4: deny lamp -> lnmp udp port 53, logged\n")
        let sent = try #require(server.requests.first)
        #expect(try ControlAPI.decoder.decode(AddPolicyRequest.self, from: sent.body)
            == AddPolicyRequest(action: "deny", from: "lamp", to: "lnmp", proto: "udp", port: "53", oneWay: true, log: true))
    }

    @Test func ipamShowAsksTheAgentWithoutDatastore() async throws {
        let report = IPAMReportBody(
            pools: [.init(pool: "containers", cidr: "10.244.0.0/16", blockLength: 26, blocksClaimed: 1, blockCapacity: "1024",
                          addressesAllocated: 1, addressesReserved: 0, blockSize: 64)],
            blocks: [.init(cidr: "10.244.0.0/26", pool: "containers", host: "host1", network: "lamp", allocated: 1, reserved: 0,
                           size: 64, hostGone: false)],
            leaked: [], orphanedBlocks: [], unbacked: [])
        let body = Self.json(report)
        let server = try await CannedHTTPServer.start { _ in .init(status: 200, body: body) }
        defer { Task { await server.stop() } }
        let text = try RoutedBinary.run(["ipam", "show", "--socket", server.path])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.hasPrefix("POOL\n  pool 'containers' (10.244.0.0/16, /26 blocks): 1 of 1024 blocks claimed, 1 of 65536 addresses in use\n"),
                "\(text.out)")
        let json = try RoutedBinary.run(["ipam", "show", "-o", "json", "--socket", server.path])
        #expect(json.out == body + "\n")
        #expect(server.requests.map(\.uri) == ["/v1/ipam", "/v1/ipam"])
    }

    @Test func statusJSONIsTheAgentStatus() async throws {
        let status = AgentStatus(localAS: 64512, routerID: "10.0.0.11", hostname: "host1", version: "0.1.0",
                                 startedAt: Date(timeIntervalSince1970: 1_795_000_000), socket: "/run/routed/routed.sock",
                                 datastore: "sqlite:/var/lib/routed/routed.sqlite", health: Health(healthy: true, checks: ["bgp": "ok"]),
                                 peers: [], blocks: [], endpoints: 0, networks: 0)
        let server = try await CannedHTTPServer.start { _ in .init(status: 200, body: Self.json(status)) }
        defer { Task { await server.stop() } }
        let json = try RoutedBinary.run(["status", "-o", "json", "--socket", server.path])
        #expect(json.status == 0, "\(json.err)")
        #expect(try ControlAPI.decoder.decode(AgentStatus.self, from: Data(json.out.utf8)) == status)
        let text = try RoutedBinary.run(["status", "--socket", server.path])
        #expect(text.out.hasPrefix("routed 0.1.0 on host1: AS 64512, router id 10.0.0.11, up "), "\(text.out)")
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var args: [String]
        var body: APIErrorBody
        var testDescription: String { args.joined(separator: " ") }
    }

    @Test(arguments: [
        Refusal(args: ["endpoint", "del", "web9"],
                body: APIErrorBody(kind: "unknownEndpoint", message: "no endpoint 'web9' on this host", hint: "see `routed endpoint list`")),
        Refusal(args: ["network", "del", "lamp"],
                body: APIErrorBody(kind: "conflict", message: "network 'lamp' is named by policies 1", hint: "delete them first with `routed policy del ID`")),
        Refusal(args: ["peer", "del", "192.0.2.9"],
                body: APIErrorBody(kind: "unknownPeer", message: "no peer 192.0.2.9", hint: nil)),
        Refusal(args: ["endpoint", "add", "web1", "--netns", "/run/netns/web1", "--network", "nosuch"],
                body: APIErrorBody(kind: "unknownNetwork", message: "unknown network 'nosuch'", hint: "create it with `routed network create nosuch`")),
    ])
    func anAgentRefusalPrintsItsMessageAndExitsNonZero(_ r: Refusal) async throws {
        let body = Self.json(r.body)
        let status = r.body.httpStatus
        let server = try await CannedHTTPServer.start { _ in .init(status: status, body: body) }
        defer { Task { await server.stop() } }
        let result = try RoutedBinary.run(r.args + ["--socket", server.path])
        #expect(result.status == 1)
        #expect(result.err == "Error: \(r.body.description)\n", "\(result.err)")
        #expect(result.out.isEmpty)
    }
}
