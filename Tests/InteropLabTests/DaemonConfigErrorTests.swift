import InteropLab
import Testing
import TestScheduling

/// A configuration the daemon refuses is reported with the daemon's own message, and no daemon
/// is left running.
@Suite(.blockingWork, .lab(needs: BirdRouter.programs + GoBGPRouter.programs))
struct DaemonConfigErrorTests {
    @Test func birdRefusesAnUnknownKeywordWithItsLineNumber() throws {
        let lab = try NamespaceLab(name: "bird-badconf")
        defer { lab.cleanup() }
        let ns = try lab.addNamespace("b")
        #expect {
            try BirdRouter(lab: lab, namespace: ns, config: "router id 10.0.0.1;\nprotocol bgp p { frobnicate; }\n")
        } throws: { error in
            guard case .badConfiguration(let daemon, let message) = error as? LabError else { return false }
            return daemon.hasPrefix("bird") && message.contains(":2:")
        }
        #expect(lab.children.isEmpty)
    }

    @Test func goBGPRefusesANonNumericAS() throws {
        let lab = try NamespaceLab(name: "gobgp-badconf")
        defer { lab.cleanup() }
        let ns = try lab.addNamespace("g")
        #expect {
            try GoBGPRouter(lab: lab, namespace: ns, config: "[global.config]\n  as = \"many\"\n  router-id = \"10.0.0.1\"\n")
        } throws: { error in
            guard case .badConfiguration(let daemon, let message) = error as? LabError else { return false }
            return daemon.hasPrefix("gobgpd") && message.contains("global.config.as")
        }
        #expect(lab.children.isEmpty)
    }
}
