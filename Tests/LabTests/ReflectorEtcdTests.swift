import Foundation
import Lab
import Testing
import TestScheduling

#if canImport(Glibc)
import Glibc
#endif

/// `routed lab up --gateway-rr --datastore etcd`, run as a user runs it (the `routed` binary):
/// the gateway is BIRD as iBGP route reflector (AS 64512), the hosts its clients with one peer
/// each, the datastore a lab etcd in its own namespace; `status` shows it, `down` removes it.
@Suite("routed lab: route reflector and etcd", .blockingWork,
       .enabled(if: Lab.unavailableReason(datastore: .etcd) == nil, "needs root, iproute2, bird2 and etcd-server"), .serialized)
struct ReflectorEtcdTests {
    func routed(_ args: [String]) throws -> CommandResult {
        try Shell.execute([AcceptanceTests.routed] + args, timeout: .seconds(120))
    }

    @Test("two hosts through a BIRD route reflector, sharing a lab etcd: routed both ways, the client reaches both; down leaves nothing")
    func reflectorAndEtcd() async throws {
        let name = "r\(getpid() % 100_000)"
        let dir = NSTemporaryDirectory() + "routed-lab-\(name)"
        defer { _ = try? routed(["lab", "down", "--name", name, "--dir", dir]) }
        let up = try routed(["lab", "up", "--name", name, "--dir", dir, "--hosts", "2", "--gateway-rr", "--datastore", "etcd",
                             "--workloads", "a1:lamp@1,b1:lamp@h2"])
        #expect(up.status == 0, "\(up.output)")
        #expect(up.output.contains("BIRD AS 64512 (route reflector)") && up.output.contains("etcd://192.0.2.2:2379")
                && up.output.contains("routed lab down --name \(name)"), "\(up.output)")
        let lab = try Lab.open(directory: dir, routed: AcceptanceTests.routed)
        let t = lab.topology
        for i in 1...2 { #expect(lab.peerStates(i).map(\.peer) == ["192.0.2.1"] && lab.peerStates(i).allSatisfy { $0.state == "Established" }) }
        let ip = lab.workloadAddresses()
        let a1 = try #require(ip["a1"]), b1 = try #require(ip["b1"])
        // Reflected: h1 routes b1's block straight to h2 (next hop unchanged), not via the reflector.
        let o = b1.split(separator: ".").compactMap { Int($0) }
        let b1Block = "\(o[0]).\(o[1]).\(o[2]).\(o[3] & ~63)/26"
        let h1Routes = try lab.exec(t.host(1).namespace, ["ip", "route", "show", "proto", "201"])
        #expect(h1Routes.contains("\(b1Block) via 192.0.2.12 dev uplink"), "\(h1Routes)")
        for (from, to) in [(t.workload("a1")!.namespace, b1), (t.workload("b1")!.namespace, a1), (t.clientNamespace, a1), (t.clientNamespace, b1)] {
            let r = try lab.execute(from, ["ping", "-c", "1", "-W", "2", to])
            #expect(r.status == 0 && r.output.contains("ttl=62"), "\(from) → \(to): \(r.output)")
        }
        let status = try routed(["lab", "status", "--name", name, "--dir", dir])
        #expect(status.status == 0 && status.output.contains(a1) && status.output.contains("Established"), "\(status.output)")

        let down = try routed(["lab", "down", "--name", name, "--dir", dir])
        #expect(down.status == 0 && down.output.contains("removed"), "\(down.output)")
        #expect(try Shell.run(["ip", "netns", "list"]).split(separator: "\n").filter { $0.hasPrefix(t.prefix) }.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir))
        let again = try routed(["lab", "status", "--name", name, "--dir", dir])
        #expect(again.status != 0 && again.output.contains("no lab named \(name)"), "\(again.output)")
    }
}
