public import AgentAPI

/// `routed network list` / `create`.
public enum NetworksText {
    public static func render(_ networks: [NetworkInfo]) -> String {
        guard !networks.isEmpty else { return "no networks: create one with `routed network create NAME`\n" }
        var table = TextTable(["NAME", "ID", "ENDPOINTS", "PREFIXES"])
        for n in networks {
            table.add([n.name, "\(n.id)", "\(n.endpoints)", n.prefixes.isEmpty ? "-" : n.prefixes.joined(separator: " ")])
        }
        return table.render()
    }

    public static func created(_ network: NetworkInfo) -> String {
        "network \(network.name) created (id \(network.id))\n"
    }
}
