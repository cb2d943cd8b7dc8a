import Foundation
import Lab

/// iperf3, one TCP stream, `runs` runs per path, interleaved so the machine's drift hits each
/// path alike: host 1 → host 2 on the lab segment (the ceiling), workload t1 → t2 across the
/// hosts through routed's routes and nftables table, and workload → workload over a VXLAN overlay
/// between the same hosts (`Overlay`).
struct Throughput {
    let lab: Lab
    let runs: Int
    let seconds: Int

    enum Path: String, CaseIterable {
        case hostToHost = "host → host (same link)"
        case routed = "workload → workload, routed"
        case vxlan = "workload → workload, VXLAN overlay"
    }

    struct Result {
        var gbits: [Path: [Double]] = [:]
        var median: [Path: Double] { gbits.compactMapValues { Percentiles.median($0) } }
    }

    func measure() async throws -> Result {
        let t = lab.topology
        note("throughput: building the VXLAN overlay between h1 and h2")
        let overlay = try Overlay.build(on: lab)
        let workloads = lab.workloadAddresses().mapValues { String($0.split(separator: "/")[0]) }
        guard let t2 = workloads["t2"], let w1 = t.workload("t1"), let w2 = t.workload("t2") else {
            throw BenchError.failed("the lab's workloads t1 and t2 have no addresses: \(lab.statusText())")
        }
        // (client namespace, server namespace, server address) per path.
        let ends: [Path: (client: String, server: String, address: String)] = [
            .hostToHost: (t.host(1).namespace, t.host(2).namespace, t.host(2).address),
            .routed: (w1.namespace, w2.namespace, t2),
            .vxlan: (overlay.workloadNamespaces[0], overlay.workloadNamespaces[1], Overlay.workloadAddress(2)),
        ]
        var servers: [(pid: Int32, startTime: String)] = []
        defer { for s in servers { Shell.stop(pid: s.pid, startTime: s.startTime) } }
        for path in Path.allCases {
            let e = ends[path]!
            servers.append(try lab.spawnIn(e.server, label: "iperf3-\(path)", ["iperf3", "-s", "-B", e.address],
                                           log: t.directory + "/iperf3-\(servers.count).log"))
        }
        for path in Path.allCases {
            let e = ends[path]!
            try await waitFor("\(path.rawValue): \(e.address) answers and iperf3 listens") {
                let ping = try lab.execute(e.client, ["ping", "-c", "1", "-W", "1", e.address], timeout: .seconds(5))
                let listening = try lab.exec(e.server, ["ss", "-Hltn", "sport", "=", ":5201"])
                return ping.status == 0 && !listening.isEmpty
            }
        }
        var result = Result()
        for run in 1...runs {
            for path in Path.allCases {
                let e = ends[path]!
                let json = try lab.exec(e.client, ["iperf3", "-c", e.address, "-t", "\(seconds)", "-O", "1", "-J"],
                                        timeout: .seconds(seconds + 30))
                let gbits = try Self.receivedGbits(json)
                note("  run \(run) \(path.rawValue): \(String(format: "%.2f", gbits)) Gbit/s")
                result.gbits[path, default: []].append(gbits)
            }
        }
        return result
    }

    /// `end.sum_received.bits_per_second` of `iperf3 -J`, in Gbit/s.
    static func receivedGbits(_ json: String) throws -> Double {
        guard let top = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let end = top["end"] as? [String: Any], let sum = end["sum_received"] as? [String: Any],
              let bps = sum["bits_per_second"] as? Double else {
            throw BenchError.failed("iperf3 -J gave no end.sum_received.bits_per_second: \(json.prefix(400))")
        }
        return bps / 1e9
    }
}

/// Polls `ready` every 200 ms for at most 30 s.
func waitFor(_ what: String, within: Duration = .seconds(30), _ ready: @escaping @Sendable () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if (try? await blocking(ready)) == true { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw BenchError.failed("timed out after \(within): \(what)")
}
