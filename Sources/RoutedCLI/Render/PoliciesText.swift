public import AgentAPI

/// `routed policy list` / `deny` / `allow` / `default`: `<->` both ways, `->` one way (`--one-way`).
public enum PoliciesText {
    public static func render(_ list: PolicyList) -> String {
        let out = "default: \(list.defaultAction)\n"
        guard !list.policies.isEmpty else {
            return out + "no policies: networks reach each other unless the default is deny; add one with `routed policy deny NET_A NET_B`\n"
        }
        var table = TextTable(["ID", "ACTION", "FROM", "", "TO", "PROTO", "PORT", "LOG", "PACKETS", "BYTES"])
        for p in list.policies {
            table.add([p.id, p.action, p.from, p.oneWay ? "->" : "<->", p.to, p.proto ?? "any", p.port ?? "any",
                       p.log ? "yes" : "no", "\(p.packets)", "\(p.bytes)"])
        }
        return out + table.render()
    }

    /// One policy in a sentence: `policy 3: deny lamp <-> lnmp tcp port 80-90, logged`.
    public static func added(_ p: PolicyInfo) -> String {
        var s = "policy \(p.id): \(p.action) \(p.from) \(p.oneWay ? "->" : "<->") \(p.to)"
        if let proto = p.proto { s += " \(proto)" }
        if let port = p.port { s += " port \(port)" }
        if p.log { s += ", logged" }
        return s + "\n"
    }
}
