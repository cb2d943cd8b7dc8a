import Foundation
import Lab

/// The run's tables, in the form BENCHMARKS.md keeps them.
struct Report {
    var date: Date
    var load: String
    var routed: String
    var loadAfter = ""
    var throughput: Throughput.Result?
    var convergence: Convergence.Result?
    var scale: Scale.Result?

    var markdown: String {
        var s = "Run of \(ISO8601DateFormatter().string(from: date)), load average \(load) at the start, \(loadAfter) at the end; agents: \(routed)\n"
        if let t = throughput {
            let m = t.median, host = m[.hostToHost] ?? 0
            s += "\n| iperf3, one TCP stream | runs (Gbit/s) | median | median ÷ host → host | median of the per-run ratios |\n|---|---|---|---|---|\n"
            let hostRuns = t.gbits[.hostToHost] ?? []
            for path in Throughput.Path.allCases {
                let runs = t.gbits[path] ?? []
                let ratio = host > 0 ? String(format: "%.1f %%", 100 * (m[path] ?? 0) / host) : "?"
                // Run i of each path ran back to back, so their ratio cancels the machine's drift.
                let perRun = Percentiles.median(zip(runs, hostRuns).filter { $0.1 > 0 }.map { $0.0 / $0.1 })
                s += "| \(path.rawValue) | \(runs.map { String(format: "%.2f", $0) }.joined(separator: " ")) | \(String(format: "%.2f", m[path] ?? 0)) | \(ratio) | \(perRun.map { String(format: "%.1f %%", 100 * $0) } ?? "?") |\n"
            }
            s += t.pinned ? "\nEvery path: iperf3 client on CPU 0, server on CPU 1 (`taskset`).\n" : "\nOne CPU: iperf3 not pinned.\n"
            if let r = m[.routed], let v = m[.vxlan], v > 0 {
                s += "\nrouted ÷ VXLAN: \(String(format: "%.2f", r / v))×\n"
            }
        }
        if let c = convergence {
            s += "\n| convergence, \(c.samples.count) endpoints added on h1 | p50 | p99 | min | max |\n|---|---|---|---|---|\n"
            func row(_ name: String, _ p: Percentiles?) -> String {
                guard let p else { return "| \(name) | none | | | |\n" }
                return "| \(name) | \(fmt(p.p50)) ms | \(fmt(p.p99)) ms | \(fmt(p.min)) ms | \(fmt(p.max)) ms |\n"
            }
            s += row("API call returned (`POST /v1/endpoints`)", c.api)
            s += row("first echo reply at host 2", c.host2)
            s += row("first echo reply at the outside client (via the BIRD gateway)", c.client)
            let fresh = c.samples.filter(\.newBlock)
            if !fresh.isEmpty {
                s += "\nFirst endpoint of a new block (claimed and advertised by BGP): "
                s += fresh.map { "\($0.address): host 2 \($0.fromHost2.map(fmt) ?? "none") ms, client \($0.fromClient.map(fmt) ?? "none") ms" }
                    .joined(separator: "; ") + "\n"
            }
            if c.unreachable > 0 { s += "\n**\(c.unreachable) endpoints never answered within 10 s.**\n" }
        }
        if let sc = scale {
            s += "\n| scale: \(sc.count) endpoints on three hosts | |\n|---|---|\n"
            s += "| container namespaces made beforehand | \(String(format: "%.1f", sc.namespacesSeconds)) s |\n"
            s += "| all API calls returned | \(String(format: "%.2f", sc.addSeconds)) s |\n"
            if let p = sc.addMilliseconds { s += "| one API call, p50 / p99 | \(fmt(p.p50)) / \(fmt(p.p99)) ms |\n" }
            s += "| all reachable from the outside client | \(sc.allReachableFromClient.map { String(format: "%.2f s", $0) } ?? "NO: \(sc.unreachable) never answered") |\n"
            s += "| all reachable from host 2 | \(sc.allReachableFromHost2.map { String(format: "%.2f s", $0) } ?? "NO: \(sc.unreachable) never answered") |\n"
            for (i, m) in sc.memory.enumerated() {
                s += "| agent h\(i + 1) RSS before → after (peak) | \(m.rssBefore / 1024) → \(m.rssAfter / 1024) MiB (\(m.peak / 1024) MiB) |\n"
            }
        }
        return s
    }
}
