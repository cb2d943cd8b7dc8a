import Testing
import TestScheduling
import Foundation
import InteropLab

/// Graceful restart (RFC 4724) with routed as the restarting speaker and BIRD 2 as the receiving one.
@Suite(.blockingWork, .serialized, .enabled(if: interopAvailable, interopSkipReason))
struct GracefulRestartInteropTests {
    /// routed is killed (SIGKILL: no NOTIFICATION) and started again with the Restart State bit.
    /// BIRD keeps routed's route, marked stale, in its table and in its namespace's kernel table the
    /// whole time, and keeps it (refreshed) after routed's End-of-RIB.
    @Test func birdKeepsOurRoutesWhileWeRestart() async throws {
        let net = try PeerLink("gr-bird")
        defer { net.lab.cleanup() }
        let bird = try BirdRouter(lab: net.lab, namespace: net.peerNS, config: BirdConfig(routerID: PeerLink.peerV4, protocols: [
            .init(name: "routed", localAddress: PeerLink.peerV4, localAS: 65000, neighbor: PeerLink.routedV4, neighborAS: 64512,
                  gracefulRestart: true, extra: ["debug { states, events };"]),
        ], extra: "protocol kernel { ipv4 { export where source = RTS_BGP; }; }").render(logFile: net.lab.path("bird.log")))
        let arguments = [
            "--as", "64512", "--router-id", PeerLink.routedV4, "--listen", PeerLink.routedV4,
            "--peer", "\(PeerLink.peerV4),as=65000,connect-retry=1", "--originate", "10.244.1.0/26", "--graceful-restart", "120",
        ]
        var routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: arguments)
        defer { routed.stop() }
        try await bird.waitForState("routed")
        try await bird.waitForRoutes { $0.contains { $0.prefix == "10.244.1.0/26" } }
        func inKernel() throws -> Bool {
            try net.lab.run(net.peerNS, ["ip", "route", "show", "10.244.1.0/26"]).contains("via \(PeerLink.routedV4)")
        }
        try await bird.waitFor("10.244.1.0/26 in the kernel of BIRD's namespace", timeout: .seconds(20)) { try inKernel() }

        routed.process.kill()
        try await bird.waitFor("BIRD notices routed is gone", timeout: .seconds(15)) { try bird.protocolState("routed") != "Established" }
        // Throughout the restart, BIRD keeps the route and the kernel keeps forwarding with it.
        for _ in 0..<8 {
            #expect(try bird.routes().contains { $0.prefix == "10.244.1.0/26" }, "BIRD dropped our route during the restart")
            #expect(try inKernel(), "the kernel route went during the restart")
            try await Task.sleep(for: .milliseconds(250))
        }
        let stale = try bird.birdc(["show", "route", "all", "10.244.1.0/26"])
        #expect(try bird.birdc(["show", "protocols", "all", "routed"]).contains("Neighbor graceful restart active"))
        routed.stop()
        routed = try RoutedSpeakerProcess(lab: net.lab, namespace: net.routedNS, arguments: arguments + ["--restarting"], name: "routed2")
        try await bird.waitForState("routed", timeout: .seconds(30))
        try await routed.waitForState(PeerLink.peerV4)
        // After our End-of-RIB, BIRD's stale copy is replaced by the fresh one, and stays.
        let birdLog = { (try? String(contentsOfFile: net.lab.path("bird.log"), encoding: .utf8)) ?? "" }
        do {
            try await waitUntil("BIRD logs the end of our restart", timeout: .seconds(15)) { birdLog().contains("Neighbor graceful restart done") }
        } catch {
            Issue.record("\(error)\nBIRD's log:\n\(birdLog())\nstale:\n\(stale)\nrouted:\n\((try? String(contentsOfFile: routed.logFile, encoding: .utf8)) ?? "")")
        }
        #expect(birdLog().contains("Neighbor graceful restart detected"))
        #expect(!birdLog().contains("Neighbor graceful restart timeout"))
        #expect(try bird.routes().contains { $0.prefix == "10.244.1.0/26" })
        #expect(try inKernel())
        #expect(try !bird.birdc(["show", "protocols", "all", "routed"]).contains("Neighbor graceful restart active"))
    }
}
