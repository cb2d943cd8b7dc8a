import Foundation
import InteropLab
import Testing
import TestScheduling

/// RFC 4271 section 6.5: with the link cut, BIRD's session ends when the hold timer expires (not
/// before, and not much later), and comes back once the link is restored.
@Suite(.blockingWork, .lab(needs: BirdRouter.programs + FRRRouter.programs), .timeLimit(.minutes(1)))
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
        let cut = Date()
        try lab.cutLink(f, "to-b")
        let state = try await waitForValue("bird leaves Established", timeout: .seconds(hold + 20), interval: .milliseconds(100),
                                           { try bird.protocolState("frr") }, until: { $0 != "Established" })
        // When it left, by BIRD's own clock: its log line's stamp, not when this test's poll noticed
        // (in a busy parallel suite the poll may run seconds late).
        let log = (try? String(contentsOfFile: bird.logPath, encoding: .utf8)) ?? ""
        let expired = try #require(BirdOutput.logTime(of: "frr: Error: Hold timer expired", in: log, after: cut),
                                   "BIRD left Established (\(state)) without logging a hold timer expiry; its log:\n\(log.suffix(2000))")
        let elapsed = expired.timeIntervalSince(cut)
        // FRR sends a KEEPALIVE every second, but in a busy parallel suite one can come seconds late,
        // so the last one may have arrived well before the cut: the expiry comes after the cut (the
        // log line says it was the hold timer, not the link) and at most the hold time plus BIRD's
        // one-second timer resolution and scheduling later.
        #expect(elapsed >= Double(hold) / 2, "hold timer expired \(elapsed) s after the cut, long before the \(hold) s hold time")
        #expect(elapsed <= Double(hold + 3), "hold timer expired only \(elapsed) s after the cut (hold time \(hold) s)")

        try lab.restoreLink(f, "to-b")
        try await bird.waitForState("frr", "Established", timeout: .seconds(20))
        try await frr.waitForNeighbor("10.0.2.1", "Established", timeout: .seconds(10))
    }
}
