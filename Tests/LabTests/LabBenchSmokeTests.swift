import Foundation
import Lab
import Testing
import TestScheduling

#if canImport(Glibc)
import Glibc
#endif

/// `routed-lab-bench` at a tiny size, so the command BENCHMARKS.md quotes keeps working: every
/// section produces its table, every endpoint answers its probes, and the lab is gone afterwards.
/// (The figures of a debug build on a busy CI machine mean nothing; only completeness is checked.)
@Suite("routed-lab-bench at a tiny size", .blockingWork,
       .enabled(if: Lab.unavailableReason() == nil && Shell.which("iperf3") != nil, "needs root, iproute2, bird2 and iperf3"))
struct LabBenchSmokeTests {
    static var bench: String {
        URL(fileURLWithPath: AcceptanceTests.routed).deletingLastPathComponent().appendingPathComponent("routed-lab-bench").path
    }

    @Test("throughput, convergence and scale each give their table; nothing unreachable; no namespace left")
    func tiny() throws {
        let name = "k\(getpid() % 100_000)"
        let r = try Shell.execute([Self.bench, "--name", name, "--routed", AcceptanceTests.routed, "--endpoints", "3", "--scale", "6",
                                   "--runs", "1", "--seconds", "1"], timeout: .seconds(300))
        #expect(r.status == 0, "\(r.output)")
        for row in ["| host → host (same link) |", "| workload → workload, routed |", "| workload → workload, VXLAN overlay |",
                    "| workload → workload, routed, a policy in force (conntrack) |",
                    "| first echo reply at host 2 |", "| first echo reply at the outside client (via the BIRD gateway) |",
                    "| all reachable from the outside client | ", "| agent h3 RSS before → after (peak) |"] {
            #expect(r.output.contains(row), "no \(row) in:\n\(r.output)")
        }
        #expect(!r.output.contains("never answered") && !r.output.contains("| none |"), "\(r.output)")
        let left = try Shell.run(["ip", "netns", "list"]).split(separator: "\n").filter { $0.hasPrefix("rl-\(name)-") }
        #expect(left.isEmpty, "\(left)")
        if !left.isEmpty { _ = Lab.down(stateFile: LabTopology(try LabSpec(name: name)).stateFile) }
    }
}
