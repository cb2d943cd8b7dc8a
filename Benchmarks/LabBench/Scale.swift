import AgentAPI
import AgentClient
import Foundation
import Lab

/// `count` endpoints on the lab's three hosts (a third each, added one after another per host,
/// the three hosts at once) until every one answers an echo request from the outside client and
/// from host 2; the agents' resident memory before and after.
struct Scale {
    let lab: Lab
    let count: Int
    static let network = "scale"

    struct Memory { var rssBefore: Int; var rssAfter: Int; var peak: Int }   // KiB, per agent

    struct Result {
        var count = 0
        var namespacesSeconds = 0.0
        var addSeconds = 0.0
        /// From the first API call until the last endpoint's first reply, per prober.
        var allReachableFromClient: Double?
        var allReachableFromHost2: Double?
        var unreachable = 0
        var memory: [Memory] = []
        var addMilliseconds: Percentiles?
    }

    func measure() async throws -> Result {
        let t = lab.topology
        var result = Result(count: count)
        _ = try await AgentClient(socketPath: t.host(1).socket).createNetwork(CreateNetworkRequest(name: Self.network))
        note("scale: making \(count) container namespaces")
        let made = ContinuousClock.now
        var perHost: [[String]] = [[], [], []]
        for i in 0..<count {
            let ns = t.prefix + "s\(i + 1)"
            try lab.addNamespace(ns)
            perHost[i % 3].append(ns)
        }
        result.namespacesSeconds = elapsedSeconds(since: made)
        let before = (1...3).map { Self.memory(of: lab.agentProcess($0)?.pid) }

        note("scale: adding \(count) endpoints on three hosts at once")
        let start = ContinuousClock.now
        let added = try await withThrowingTaskGroup(of: [(String, Double, ContinuousClock.Instant, Int)].self) { group in
            for h in 1...3 {
                let agent = AgentClient(socketPath: t.host(h).socket), list = perHost[h - 1]
                group.addTask {
                    var out: [(String, Double, ContinuousClock.Instant, Int)] = []
                    for ns in list {
                        let began = ContinuousClock.now
                        let e = try await agent.addEndpoint(AddEndpointRequest(name: String(ns.dropFirst(t.prefix.count)),
                                                                              netns: "/run/netns/" + ns, network: Self.network))
                        guard let a = e.addresses.first else { throw BenchError.failed("\(ns): no address") }
                        let returned = ContinuousClock.now
                        out.append((String(a.split(separator: "/")[0]), milliseconds(began.duration(to: returned)), returned, h))
                    }
                    return out
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        result.addSeconds = elapsedSeconds(since: start)
        result.addMilliseconds = Percentiles(added.map(\.1))
        let addresses = added.map(\.0)
        note("scale: all added in \(String(format: "%.2f", result.addSeconds)) s; probing \(addresses.count) addresses")
        let fromClient = try EchoProber(namespace: t.clientNamespace), fromHost2 = try EchoProber(namespace: t.host(2).namespace)
        let probed = ContinuousClock.now
        async let north = blocking { try fromClient.firstReplies(to: addresses, burst: 20, interval: .milliseconds(2), timeout: .seconds(120)) }
        async let east = blocking { try fromHost2.firstReplies(to: addresses, burst: 20, interval: .milliseconds(2), timeout: .seconds(120)) }
        let (n, e) = try await (north, east)
        // When each endpoint first answered, after its own API call returned (the probes start once all returned).
        for (name, replies) in [("client", n), ("host 2", e)] {
            let lags = added.compactMap { a in replies[a.0].map { milliseconds(a.2.duration(to: $0)) } }
            let late = added.compactMap { a in replies[a.0].map { (a.0, a.3, milliseconds(probed.duration(to: $0))) } }.sorted { $0.2 > $1.2 }
            note("  from \(name): \(replies.count) answered; after the probes began: " +
                 [0.1, 1, 5, 10, 30].map { t in "\(late.filter { $0.2 <= t * 1000 }.count) within \(t) s" }.joined(separator: ", ") +
                 "; slowest: " + late.prefix(5).map { "\($0.0) (h\($0.1)) \(fmt($0.2)) ms" }.joined(separator: ", ") +
                 (Percentiles(lags).map { "; reply − own API return p50 \(fmt($0.p50)) ms" } ?? ""))
        }
        if n.count == addresses.count, let last = n.values.max() { result.allReachableFromClient = seconds(between: start, last) }
        if e.count == addresses.count, let last = e.values.max() { result.allReachableFromHost2 = seconds(between: start, last) }
        result.unreachable = Set(addresses).subtracting(Set(n.keys).intersection(e.keys)).count
        let after = (1...3).map { Self.memory(of: lab.agentProcess($0)?.pid) }
        result.memory = (0..<3).map { Memory(rssBefore: before[$0].rss, rssAfter: after[$0].rss, peak: after[$0].peak) }
        return result
    }

    func seconds(between a: ContinuousClock.Instant, _ b: ContinuousClock.Instant) -> Double { milliseconds(a.duration(to: b)) / 1000 }

    /// VmRSS and VmHWM of `pid` in KiB (/proc/PID/status); zeros when it is gone.
    static func memory(of pid: Int32?) -> (rss: Int, peak: Int) {
        guard let pid, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            text.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { Int($0.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") } ?? 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }
}
