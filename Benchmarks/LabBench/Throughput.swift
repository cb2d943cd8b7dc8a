import Foundation
import Lab

/// iperf3, one TCP stream, `runs` runs per path, interleaved so the machine's drift hits each
/// path alike: host 1 → host 2 on the lab segment (the ceiling), workload t1 → t2 across the
/// hosts through routed's routes and nftables table, the same with a policy in force (which
/// turns connection tracking on, see `LayoutBuilder.acceptsEverything`), and workload → workload
/// over a VXLAN overlay between the same hosts (`Overlay`).
///
/// On a machine with two CPUs or more, every path's client runs on CPU 0 and its server on
/// CPU 1 (`taskset`): one stream's throughput otherwise depends on whether the scheduler puts
/// both ends on one CPU, which moves single runs by a third.
struct Throughput {
    let lab: Lab
    let runs: Int
    let seconds: Int

    enum Path: String, CaseIterable {
        case hostToHost = "host → host (same link)"
        case routed = "workload → workload, routed"
        case routedTracked = "workload → workload, routed, a policy in force (conntrack)"
        case vxlan = "workload → workload, VXLAN overlay"
    }

    struct Result {
        var gbits: [Path: [Double]] = [:]
        var pinned = false
        var median: [Path: Double] { gbits.compactMapValues { Percentiles.median($0) } }
    }

    /// A policy that leaves t1 → t2 alone but is a policy: the hosts' hook chains then accept
    /// established connections first, so every forwarded packet goes through conntrack.
    static let trackingPolicy = ["policy", "deny", "world", "tput", "--proto", "udp", "--port", "9"]

    /// Whether clients and servers get a CPU each: on a machine with two CPUs or more.
    static let pinsCPUs = ProcessInfo.processInfo.activeProcessorCount >= 2

    /// `taskset -c CPU` before `argv` when `pinsCPUs`.
    static func pinned(_ argv: [String], cpu: Int) -> [String] {
        pinsCPUs ? ["taskset", "-c", "\(cpu)"] + argv : argv
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
            .routedTracked: (w1.namespace, w2.namespace, t2),
            .vxlan: (overlay.workloadNamespaces[0], overlay.workloadNamespaces[1], Overlay.workloadAddress(2)),
        ]
        var servers: [(pid: Int32, startTime: String)] = []
        defer { for s in servers { Shell.stop(pid: s.pid, startTime: s.startTime) } }
        for path in Path.allCases where path != .routedTracked {
            let e = ends[path]!
            servers.append(try lab.spawnIn(e.server, label: "iperf3-\(path)", Self.pinned(["iperf3", "-s", "-B", e.address], cpu: 1),
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
        result.pinned = Self.pinsCPUs
        for run in 1...runs {
            for path in Path.allCases {
                let e = ends[path]!
                if path == .routedTracked { try await setTracking(true) }
                let json = try lab.exec(e.client, Self.pinned(["iperf3", "-c", e.address, "-t", "\(seconds)", "-O", "1", "-J"], cpu: 0),
                                        timeout: .seconds(seconds + 30))
                if path == .routedTracked { try await setTracking(false) }
                let gbits = try Self.receivedGbits(json)
                note("  run \(run) \(path.rawValue): \(String(format: "%.2f", gbits)) Gbit/s")
                result.gbits[path, default: []].append(gbits)
            }
        }
        return result
    }

    /// Adds (`routed policy deny world tput ...` on h1) or deletes `trackingPolicy`, and waits
    /// until h1's and h2's forward chains have (or no longer have) `ct state`.
    func setTracking(_ on: Bool) async throws {
        if on {
            _ = try lab.routedCommand(Self.trackingPolicy, host: 1)
        } else {
            let listed = try lab.routedCommand(["policy", "list", "-o", "json"], host: 1)
            let body = try? JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any]
            for policy in body?["policies"] as? [[String: Any]] ?? [] {   // the bench's lab has no other policy
                if let id = policy["id"] as? String { _ = try lab.routedCommand(["policy", "del", id], host: 1) }
            }
        }
        let namespaces = [lab.topology.host(1).namespace, lab.topology.host(2).namespace]
        try await waitFor("connection tracking \(on ? "on" : "off") in h1 and h2's table") {
            try namespaces.allSatisfy { ns in
                try lab.exec(ns, ["nft", "list", "chain", "inet", "routed", "forward"]).contains("ct state") == on
            }
        }
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
