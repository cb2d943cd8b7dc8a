public import AgentAPI
public import Foundation

/// BGP peers as a table: what `birdc show protocols` and `calicoctl node status` show, plus the
/// prefix counters and the policies. `routed peer list` and the PEERS part of `routed status`.
public enum PeersText {
    public static func render(_ peers: [PeerInfo], now: Date) -> String {
        guard !peers.isEmpty else { return "no BGP peers: add one with `routed peer add ADDR,as=N`, or start the agent with --peer or --mesh\n" }
        var table = TextTable(["ADDRESS", "AS", "TYPE", "STATE", "SINCE", "RECEIVED", "ACCEPTED", "ADVERTISED",
                               "IMPORT", "EXPORT", "LAST ERROR"])
        for p in peers {
            table.add([p.address, "\(p.remoteAS)", p.type, p.state, TimeText.since(p.since, now: now),
                       "\(p.prefixesReceived)", "\(p.prefixesAccepted)", "\(p.prefixesAdvertised)",
                       p.importPolicy, p.exportPolicy, p.lastError ?? "-"])
        }
        return table.render()
    }

    /// `routed peer add`: the peer as the agent now holds it.
    public static func added(_ peer: PeerInfo) -> String {
        "peer \(peer.address) added: AS \(peer.remoteAS), \(peer.type), import \(peer.importPolicy), export \(peer.exportPolicy); state \(peer.state)\n"
    }
}
