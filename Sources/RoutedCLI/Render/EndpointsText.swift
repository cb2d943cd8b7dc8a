public import AgentAPI

/// `routed endpoint list` / `add`.
public enum EndpointsText {
    public static func render(_ endpoints: [EndpointInfo]) -> String {
        guard !endpoints.isEmpty else {
            return "no endpoints: add one with `routed endpoint add NAME --netns PATH --network NET`\n"
        }
        var table = TextTable(["NAME", "NETWORK", "ADDRESSES", "HOST IF", "IF", "NETNS", "CONTAINER"])
        for e in endpoints {
            table.add([e.name, e.network, e.addresses.isEmpty ? "-" : e.addresses.joined(separator: ","), e.hostInterface,
                       e.interfaceName, e.netns, e.containerID.map { String($0.prefix(12)) } ?? "-"])
        }
        return table.render()
    }

    public static func added(_ e: EndpointInfo) -> String {
        "endpoint \(e.name) on network \(e.network): \(e.addresses.isEmpty ? "no address" : e.addresses.joined(separator: ", ")) "
            + "(\(e.interfaceName) in \(e.netns), host side \(e.hostInterface))\n"
    }
}
