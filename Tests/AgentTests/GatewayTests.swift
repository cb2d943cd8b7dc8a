import AgentAPI
import Foundation
import InteropLab
import RoutedTestKit
import Testing
import TestScheduling

/// `routed start` peering eBGP with a gateway router (BIRD 2) in a namespace of its own, with no
/// import=/export= given: the safe defaults say only a default route comes in, and only the
/// aggregate (the pool we hold blocks of) goes out.
@Suite("Agent and a BIRD gateway", .blockingWork, .enabled(if: isRoot && NamespaceLab.isAvailable && NamespaceLab.missingPrograms(BirdRouter.programs).isEmpty,
                                            "\(needsRoot); needs bird and birdc"), .serialized)
final class GatewayTests {
    let lab: NamespaceLab
    let host: String, gate: String

    init() throws {
        lab = try NamespaceLab(name: "agent-gw")
        host = try lab.addNamespace("host")
        gate = try lab.addNamespace("gate")
        try lab.link(host, "uplink", gate, "tohost", addresses: (["10.98.0.1/24"], ["10.98.0.254/24"]))
    }

    deinit { lab.cleanup() }

    @Test("default policies with a gateway: import only the default route, export only the aggregate")
    func safeDefaults() async throws {
        let bird = try BirdRouter(lab: lab, namespace: gate, config: BirdConfig(routerID: "10.98.0.254", protocols: [
            .init(name: "host1", localAddress: "10.98.0.254", localAS: 64500, neighbor: "10.98.0.1", neighborAS: 64512),
        ], staticRoutes: [.init("0.0.0.0/0"), .init("203.0.113.0/24")]))
        let socket = lab.path("agent.sock")
        let agent = try lab.spawn(host, [TwoHostTests.routed, "start", "--as", "64512", "--router-id", "10.98.0.1", "--listen", "10.98.0.1",
                                         "--peer", "10.98.0.254,as=64500,hold=9,connect-retry=1",
                                         "--datastore", "sqlite:" + lab.path("routed.sqlite"), "--state-dir", lab.path("state"),
                                         "--socket", socket, "--hostname", "host1", "--log-level", "info"],
                                  logFile: lab.path("agent.log"))
        let api = ControlClient(socket: socket)
        try agent.waitUntilReady("routed", waitingFor: "the control socket", timeout: .seconds(30), interval: 0.1) {
            FileManager.default.fileExists(atPath: socket)
        }
        let _: NetworkInfo = try await api.call(.POST, ControlAPI.Path.networks, body: CreateNetworkRequest(name: "lamp"))
        let ns = try lab.addNamespace("w1")
        let e: EndpointInfo = try await api.call(.POST, ControlAPI.Path.endpoints,
                                                 body: AddEndpointRequest(name: "w1", netns: try lab.netnsPath(ns), network: "lamp"))
        #expect(e.addresses == ["10.244.0.0"])

        // Out: the aggregate, never the block.
        let seen = try await bird.waitForRoutes { $0.contains { $0.prefix == "10.244.0.0/16" } }
        #expect(!seen.contains { $0.prefix == "10.244.0.0/26" }, "\(seen)")
        #expect(seen.first { $0.prefix == "10.244.0.0/16" }?.asPath == [64512])
        // In: the default route only.
        let deadline = ContinuousClock.now + .seconds(20)
        var kernel = ""
        repeat {
            kernel = try lab.run(host, ["ip", "route", "show", "proto", "201"])
            if kernel.contains("default via 10.98.0.254") { break }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        #expect(kernel.contains("default via 10.98.0.254"), "\(kernel)\n\(agent.logTail())")
        #expect(!kernel.contains("203.0.113.0/24"))
        let peer = try #require(try await api.call(.GET, ControlAPI.Path.peers, as: [PeerInfo].self).first)
        #expect(peer.type == "ebgp" && peer.state == "Established" && peer.remoteAS == 64500)
        #expect(peer.importPolicy == "default-route" && peer.exportPolicy == "aggregates")
        #expect(peer.prefixesReceived == 2 && peer.prefixesAccepted == 1 && peer.prefixesAdvertised == 1)
        let routes = try await api.call(.GET, ControlAPI.Path.routes + "?prefix=0.0.0.0/0", as: [RouteInfo].self)
        #expect(routes.count == 1 && routes[0].best && routes[0].asPath.contains("64500") && routes[0].from == "10.98.0.254")
    }
}
