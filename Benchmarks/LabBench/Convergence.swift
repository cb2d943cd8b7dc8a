import AgentAPI
import AgentClient
import Foundation
import Lab

/// An endpoint added on host 1 (`POST /v1/endpoints`, as `routed endpoint add` sends it) until
/// its first echo reply at host 2 (east–west, over the hosts' BGP routes) and at the outside
/// client (north–south, through the BIRD gateway), one endpoint after another.
///
/// The probes start when the API call returns (the address is known only then) and send an echo
/// request every millisecond; the time is from just before the call to the first reply, so it
/// counts the agent's whole work (IPAM, veth, routes, nftables, BGP) and never less than the call.
/// The container namespaces are made beforehand (a container runtime makes them, not routed).
struct Convergence {
    let lab: Lab
    let count: Int
    static let network = "conv"

    struct Sample {
        var address: String
        /// The first endpoint in a /26 block new to host 1: the block is claimed and advertised.
        var newBlock: Bool
        var apiMilliseconds: Double
        var fromHost2: Double?
        var fromClient: Double?
    }

    struct Result {
        var samples: [Sample] = []
        var api: Percentiles? { Percentiles(samples.map(\.apiMilliseconds)) }
        var host2: Percentiles? { Percentiles(samples.compactMap(\.fromHost2)) }
        var client: Percentiles? { Percentiles(samples.compactMap(\.fromClient)) }
        var unreachable: Int { samples.filter { $0.fromHost2 == nil || $0.fromClient == nil }.count }
    }

    func measure() async throws -> Result {
        let t = lab.topology
        let agent = AgentClient(socketPath: t.host(1).socket)
        _ = try await agent.createNetwork(CreateNetworkRequest(name: Self.network))
        note("convergence: making \(count) container namespaces on h1")
        var namespaces: [String] = []
        for i in 1...count {
            let ns = t.prefix + "cv\(i)"
            try lab.addNamespace(ns)
            namespaces.append(ns)
        }
        let fromHost2 = try EchoProber(namespace: t.host(2).namespace)
        let fromClient = try EchoProber(namespace: t.clientNamespace)
        var result = Result()
        var blocks = Set<String>()
        for (i, ns) in namespaces.enumerated() {
            let start = ContinuousClock.now
            let endpoint = try await agent.addEndpoint(AddEndpointRequest(name: "cv\(i + 1)", netns: "/run/netns/" + ns, network: Self.network))
            let api = milliseconds(start.duration(to: .now))
            guard let address = endpoint.addresses.first.map({ String($0.split(separator: "/")[0]) }) else {
                throw BenchError.failed("endpoint cv\(i + 1) has no address: \(endpoint)")
            }
            async let east = blocking { try fromHost2.firstReplies(to: [address], interval: .milliseconds(1), timeout: .seconds(10)) }
            async let north = blocking { try fromClient.firstReplies(to: [address], interval: .milliseconds(1), timeout: .seconds(10)) }
            let (e, n) = try await (east, north)
            let block = LabTopology.block(of: address)
            result.samples.append(Sample(address: address, newBlock: blocks.insert(block).inserted, apiMilliseconds: api,
                                         fromHost2: e[address].map { milliseconds(start.duration(to: $0)) },
                                         fromClient: n[address].map { milliseconds(start.duration(to: $0)) }))
            if let s = result.samples.last, s.newBlock || (s.fromHost2 ?? 1e9) > 50 || (s.fromClient ?? 1e9) > 50 || (i + 1) % 20 == 0 {
                note("  cv\(i + 1) \(address)\(s.newBlock ? " (new block)" : ""): api \(fmt(s.apiMilliseconds)) ms, host 2 \(s.fromHost2.map(fmt) ?? "none") ms, client \(s.fromClient.map(fmt) ?? "none") ms")
            }
        }
        note("convergence: removing the \(count) endpoints")
        for i in 1...count { _ = try? await agent.deleteEndpoint(name: "cv\(i)") }
        return result
    }
}

func fmt(_ ms: Double) -> String { String(format: ms < 10 ? "%.2f" : "%.1f", ms) }
