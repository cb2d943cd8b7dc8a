import RoutedTestKit
import AgentAPI
import AgentClient
import Foundation
import Testing

/// One row per `ControlAPI` path: the request the client sends (method, URI, JSON body) and the
/// value it decodes from the agent's answer, against a real HTTP server on a Unix socket.
@Suite struct AgentClientPathTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var method: String
        var uri: String
        /// The JSON the client must send, nil for none.
        var request: String?
        var status = 200
        var answer: String
        var expected: any Hashable & Sendable
        var call: @Sendable (AgentClient) async throws -> any Hashable & Sendable
        var testDescription: String { "\(method) \(uri)" }
    }

    static let cases: [Case] = [
        Case(method: "GET", uri: "/v1/status", answer: Samples.json(Samples.status), expected: Samples.status) { try await $0.status() },
        Case(method: "GET", uri: "/v1/routes", answer: Samples.json([Samples.route]), expected: [Samples.route]) { try await $0.routes() },
        Case(method: "GET", uri: "/v1/routes?prefix=10.244.1.0/26", answer: Samples.json([Samples.route]), expected: [Samples.route]) {
            try await $0.routes(prefix: "10.244.1.0/26")
        },
        Case(method: "GET", uri: "/v1/peers", answer: Samples.json([Samples.peer]), expected: [Samples.peer]) { try await $0.peers() },
        Case(method: "POST", uri: "/v1/peers", request: #"{"spec": "192.0.2.1,as=65000"}"#, status: 201,
             answer: Samples.json(Samples.peer), expected: Samples.peer) {
            try await $0.addPeer(AddPeerRequest(spec: "192.0.2.1,as=65000"))
        },
        Case(method: "DELETE", uri: "/v1/peers/2001:db8::1", answer: Samples.json(Samples.done), expected: Samples.done) {
            try await $0.deletePeer(address: "2001:db8::1")
        },
        Case(method: "GET", uri: "/v1/networks", answer: Samples.json([Samples.network]), expected: [Samples.network]) {
            try await $0.networks()
        },
        Case(method: "POST", uri: "/v1/networks", request: #"{"name": "lamp"}"#, answer: Samples.json(Samples.network),
             expected: Samples.network) { try await $0.createNetwork(CreateNetworkRequest(name: "lamp")) },
        Case(method: "DELETE", uri: "/v1/networks/lamp", answer: Samples.json(Samples.done), expected: Samples.done) {
            try await $0.deleteNetwork(name: "lamp")
        },
        // A name cannot reach another path: '/' travels escaped.
        Case(method: "DELETE", uri: "/v1/networks/a%2F..%2Fpolicies", answer: Samples.json(Samples.done), expected: Samples.done) {
            try await $0.deleteNetwork(name: "a/../policies")
        },
        Case(method: "GET", uri: "/v1/endpoints", answer: Samples.json([Samples.endpoint]), expected: [Samples.endpoint]) {
            try await $0.endpoints()
        },
        Case(method: "POST", uri: "/v1/endpoints",
             request: #"{"name": "web1", "netns": "/run/netns/web1", "network": "lamp", "ip": "10.244.0.2", "interfaceName": "eth0"}"#,
             answer: Samples.json(Samples.endpoint), expected: Samples.endpoint) {
            try await $0.addEndpoint(AddEndpointRequest(name: "web1", netns: "/run/netns/web1", network: "lamp", ip: "10.244.0.2"))
        },
        Case(method: "POST", uri: "/v1/endpoints",
             request: #"{"name": "web2", "pid": 4242, "network": "lamp", "interfaceName": "net1", "containerID": "c0ffee"}"#,
             answer: Samples.json(Samples.endpoint), expected: Samples.endpoint) {
            try await $0.addEndpoint(AddEndpointRequest(name: "web2", pid: 4242, network: "lamp", interfaceName: "net1", containerID: "c0ffee"))
        },
        Case(method: "DELETE", uri: "/v1/endpoints/web1", answer: Samples.json(Samples.done), expected: Samples.done) {
            try await $0.deleteEndpoint(name: "web1")
        },
        Case(method: "GET", uri: "/v1/policies", answer: Samples.json(Samples.policies), expected: Samples.policies) {
            try await $0.policies()
        },
        Case(method: "POST", uri: "/v1/policies",
             request: #"{"action": "deny", "from": "lamp", "to": "lnmp", "proto": "tcp", "port": "80-90", "oneWay": true, "log": false}"#,
             answer: Samples.json(Samples.policy), expected: Samples.policy) {
            try await $0.addPolicy(AddPolicyRequest(action: "deny", from: "lamp", to: "lnmp", proto: "tcp", port: "80-90", oneWay: true))
        },
        Case(method: "DELETE", uri: "/v1/policies/7", answer: Samples.json(Samples.done), expected: Samples.done) {
            try await $0.deletePolicy(id: "7")
        },
        Case(method: "PUT", uri: "/v1/policies/default", request: #"{"action": "deny"}"#, answer: Samples.json(Samples.policies),
             expected: Samples.policies) { try await $0.setDefaultPolicy(DefaultPolicyRequest(action: "deny")) },
        Case(method: "GET", uri: "/v1/ipam", answer: Samples.json(Samples.ipam), expected: Samples.ipam) { try await $0.ipam() },
        // An unhealthy agent answers 503 with the same body: still a Health, not an error.
        Case(method: "GET", uri: "/healthz", status: 503, answer: Samples.json(Samples.health), expected: Samples.health) {
            try await $0.health()
        },
        Case(method: "GET", uri: "/metrics", answer: "routed_bgp_peers_up 1\n", expected: "routed_bgp_peers_up 1\n") {
            try await $0.metrics()
        },
    ]

    @Test(arguments: cases)
    func sendsTheRequestAndDecodesTheAnswer(_ c: Case) async throws {
        let server = try await CannedHTTPServer.start { _ in .init(status: c.status, body: c.answer) }
        defer { Task { await server.stop() } }
        let value = try await c.call(AgentClient(socketPath: server.path, timeout: .seconds(10)))
        #expect(AnyHashable(value) == AnyHashable(c.expected))

        let sent = try #require(server.requests.count == 1 ? server.requests.first : nil, "\(server.requests)")
        #expect(sent.method == c.method)
        #expect(sent.uri == c.uri)
        if let request = c.request {
            #expect(sent.contentType == "application/json")
            let expected = try JSONSerialization.jsonObject(with: Data(request.utf8)) as? NSDictionary
            let actual = try JSONSerialization.jsonObject(with: sent.body) as? NSDictionary
            #expect(actual == expected, "\(String(decoding: sent.body, as: UTF8.self))")
        } else {
            #expect(sent.body.isEmpty)
        }
    }

    @Test func ipamJSONIsTheAgentsBytes() async throws {
        let body = Samples.json(Samples.ipam)
        let server = try await CannedHTTPServer.start { _ in .init(status: 200, body: body) }
        defer { Task { await server.stop() } }
        let data = try await AgentClient(socketPath: server.path).ipamJSON()
        #expect(String(decoding: data, as: UTF8.self) == body)
    }
}
