import Foundation
import InteropLab
import Testing

/// RFC 4271 section 6.5: with the link cut, BIRD's session ends when the hold timer expires (not
/// before, and not much later), and comes back once the link is restored.
@Suite(.lab(needs: BirdRouter.programs + FRRRouter.programs), .timeLimit(.minutes(1)))
struct HoldTimerTests {
    @Test func aCutLinkEndsTheSessionAfterTheHoldTimeAndARestoredOneRecovers() async throws {
        let hold = 6
        let lab = try NamespaceLab(name: "hold")
        defer { lab.cleanup() }
        let b = try lab.addNamespace("b")
        let f = try lab.addNamespace("f")
        try lab.link(b, "to-f", f, "to-b", addresses: (["10.0.2.1/30"], ["10.0.2.2/30"]))
        let frr = try FRRRouter(lab: lab, namespace: f, config: FRRConfig(
            asn: 64513, routerID: "10.0.2.2",
            neighbors: [.init(address: "10.0.2.1", remoteAS: 64512, timers: (1, hold))]))
        let bird = try BirdRouter(lab: lab, namespace: b, config: BirdConfig(
            routerID: "10.0.2.1",
            protocols: [.init(name: "frr", localAddress: "10.0.2.1", localAS: 64512, neighbor: "10.0.2.2",
                              neighborAS: 64513, holdTime: hold,
                              checkLink: false, gracefulRestart: false)]))
        try await bird.waitForState("frr", "Established")

        // The far end goes silent: BIRD's own interface stays up, only the hold timer can notice.
        try lab.cutLink(f, "to-b")
        let (state, elapsed) = try await measure {
            try await waitForValue("bird leaves Established", timeout: .seconds(hold + 12), interval: .milliseconds(100),
                                   { try bird.protocolState("frr") }, until: { $0 != "Established" })
        }
        // FRR sends a KEEPALIVE every second, so the last one arrived at most ~1 s before the cut.
        #expect(elapsed >= .seconds(hold - 2), "left Established after \(elapsed), before the \(hold) s hold time; state \(state)")
        #expect(elapsed <= .seconds(hold + 8), "left Established only after \(elapsed)")
        // Why it left: BIRD's log (its "Last error" is overwritten by the next failed connect when
        // this test runs late in a busy parallel suite: "Socket: No route to host").
        let lastError = try bird.lastError("frr")
        let log = (try? String(contentsOfFile: bird.logPath, encoding: .utf8)) ?? ""
        #expect(log.contains("frr: Error: Hold timer expired") || lastError?.contains("Hold timer expired") == true,
                "last error: \(lastError ?? "none")\nBIRD's log:\n\(log.suffix(2000))")

        try lab.restoreLink(f, "to-b")
        try await bird.waitForState("frr", "Established", timeout: .seconds(20))
        try await frr.waitForNeighbor("10.0.2.1", "Established", timeout: .seconds(10))
    }
}
