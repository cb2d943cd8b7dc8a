import Foundation
import InteropLab
import Testing
import TestScheduling

/// contrib/gateway/{bird,frr}.conf, loaded as they ship by BIRD 2 and FRR in a lab namespace, peered
/// with `routed bgp-speaker` (AS 64512) in a host namespace: the gateway lists its peers, accepts
/// the pool's block, drops a prefix outside the pool and one longer than the block size, and
/// sends the host a default route.
///
///     gw (192.0.2.1, AS 65000) gw0 <-> h0 h1 (192.0.2.11, AS 64512, routed bgp-speaker)
@Suite(.blockingWork, .serialized, .enabled(if: NamespaceLab.isAvailable, "needs root and ip netns"))
struct GatewayConfigTests {
    static let contrib = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("contrib/gateway")
    /// The pool block, one prefix outside the pool, one inside but longer than the block size.
    static let originated = ["10.244.0.0/26", "198.51.100.0/24", "10.244.1.0/30"]

    func topology(_ name: String) throws -> (NamespaceLab, gw: String, host: String) {
        let lab = try NamespaceLab(name: name)
        let gw = try lab.addNamespace("gw"), host = try lab.addNamespace("h1")
        try lab.link(gw, "gw0", host, "h0", addresses: (["192.0.2.1/24"], ["192.0.2.11/24"]))
        return (lab, gw, host)
    }

    /// `routed bgp-speaker` as the routed host; its log holds one JSON object per event.
    func speaker(_ lab: NamespaceLab, _ host: String) throws -> String {
        let log = lab.path("speaker.log")
        _ = try lab.spawn(host, [RoutedBinary.path, "bgp-speaker", "--as", "64512", "--router-id", "192.0.2.11",
                                 "--peer", "192.0.2.1,as=65000", "--log-level", "info"]
                                 + Self.originated.flatMap { ["--originate", $0] }, logFile: log)
        return log
    }

    /// Prefixes the speaker has been sent by `peer` (announcements minus withdrawals).
    static func received(_ log: String, from peer: String) -> Set<String> {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        var table = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("{") {
            guard let e = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  e["peer"] as? String == peer, e["event"] as? String == "routes" else { continue }
            for w in e["withdrawn"] as? [String] ?? [] { table.remove(w) }
            for r in e["announced"] as? [[String: Any]] ?? [] { if let p = r["prefix"] as? String { table.insert(p) } }
        }
        return table
    }

    @Test(.enabled(if: NamespaceLab.missingPrograms(BirdRouter.programs).isEmpty, "needs bird2"))
    func birdLoadsTheGatewayConfigAndFiltersAsDocumented() async throws {
        let (lab, gw, host) = try topology("gw-bird")
        defer { _ = lab.cleanup() }
        let config = try String(contentsOf: Self.contrib.appendingPathComponent("bird.conf"), encoding: .utf8)
        let bird = try BirdRouter(lab: lab, namespace: gw, config: config)

        let protocols = try bird.birdc(["show", "protocols"])
        #expect(protocols.contains("host1") && protocols.contains("host2") && protocols.contains("BGP"), "\(protocols)")

        let log = try speaker(lab, host)
        try await bird.waitForState("host1", timeout: .seconds(30))
        let learned = try await bird.waitForRoutes(timeout: .seconds(30)) { routes in
            routes.contains { $0.prefix == "10.244.0.0/26" }
        }
        let fromHost = Set(learned.filter { $0.nextHop == "192.0.2.11" }.map(\.prefix))
        #expect(fromHost == ["10.244.0.0/26"], "\(learned)")
        try await waitUntil("default route at the host", timeout: .seconds(30)) {
            Self.received(log, from: "192.0.2.1") == ["0.0.0.0/0"]
        }
    }

    @Test(.enabled(if: NamespaceLab.missingPrograms(FRRRouter.programs).isEmpty, "needs frr"))
    func frrLoadsTheGatewayConfigAndFiltersAsDocumented() async throws {
        let (lab, gw, host) = try topology("gw-frr")
        defer { _ = lab.cleanup() }
        let config = try String(contentsOf: Self.contrib.appendingPathComponent("frr.conf"), encoding: .utf8)
        let frr = try FRRRouter(lab: lab, namespace: gw, config: config, asn: 65000)

        // bgpd starts even when lines of its file fail: every line must have been taken.
        let output = (try? String(contentsOfFile: frr.directory + "/bgpd.out", encoding: .utf8)) ?? ""
        #expect(!output.contains("Unknown command") && !output.contains("% ") && !output.lowercased().contains("error"), "\(output)")
        let running = try frr.vtysh(["show running-config"])
        for line in ["ip prefix-list ROUTED-POOL seq 10 permit 10.244.0.0/16 ge 16 le 26",
                     "neighbor 192.0.2.11 peer-group ROUTED", "neighbor 192.0.2.12 peer-group ROUTED",
                     "neighbor ROUTED route-map FROM-ROUTED in", "neighbor ROUTED route-map TO-ROUTED out",
                     "neighbor ROUTED default-originate"] {
            #expect(running.contains(line), "missing '\(line)' in\n\(running)")
        }

        let log = try speaker(lab, host)
        try await frr.waitForNeighbor("192.0.2.11", timeout: .seconds(40))
        let learned = try await frr.waitForRoutes(timeout: .seconds(30)) { routes in
            routes.contains { $0.prefix == "10.244.0.0/26" }
        }
        #expect(Set(learned.map(\.prefix)) == ["10.244.0.0/26"], "\(learned)")
        try await waitUntil("default route at the host", timeout: .seconds(30)) {
            Self.received(log, from: "192.0.2.1") == ["0.0.0.0/0"]
        }
    }
}
