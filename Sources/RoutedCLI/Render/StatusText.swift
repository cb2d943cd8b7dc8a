public import AgentAPI
public import Foundation

/// `routed status`: the agent (AS, router id, uptime, socket, datastore), its health checks, its
/// BGP peers and the blocks this host holds.
public enum StatusText {
    public static func render(_ s: AgentStatus, now: Date) -> String {
        var out = "routed \(s.version) on \(s.hostname): AS \(s.localAS), router id \(s.routerID), "
            + "up \(TimeText.elapsed(since: s.startedAt, now: now)) (since \(TimeText.absolute(s.startedAt)))\n"
        out += "socket \(s.socket), datastore \(s.datastore)\n"
        out += "\(s.endpoints) endpoint\(s.endpoints == 1 ? "" : "s"), \(s.networks) network\(s.networks == 1 ? "" : "s")\n"
        out += "\nHEALTH " + (s.health.healthy ? "healthy" : "UNHEALTHY") + "\n"
        out += health(s.health)
        let established = s.peers.filter { $0.state == "Established" }.count
        out += "\nPEERS (\(established) of \(s.peers.count) established)\n"
        out += indented(PeersText.render(s.peers, now: now))
        out += "\nBLOCKS\n" + indented(blocks(s.blocks))
        return out
    }

    /// One line per check, sorted by component, failing ones marked.
    public static func health(_ h: Health) -> String {
        guard !h.checks.isEmpty else { return "  (no checks reported)\n" }
        var table = TextTable(["COMPONENT", "STATUS"])
        for (name, result) in h.checks.sorted(by: { $0.key < $1.key }) { table.add([name, result]) }
        return table.render(indent: "  ")
    }

    public static func blocks(_ blocks: [BlockInfo]) -> String {
        guard !blocks.isEmpty else { return "no blocks yet: the first `routed endpoint add` claims one from the pool\n" }
        var table = TextTable(["CIDR", "POOL", "NETWORK", "USED", "ADVERTISED"])
        for b in blocks { table.add([b.cidr, b.pool, b.network, "\(b.allocated)/\(b.size)", b.advertised ? "yes" : "no"]) }
        return table.render()
    }

    private static func indented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "  " + $0 + "\n" }.joined()
    }
}
