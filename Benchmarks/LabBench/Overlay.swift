import Lab

/// The comparison the issue asks for: a VXLAN overlay between hosts 1 and 2 of the lab, built the
/// way flannel's vxlan backend builds one, with one overlay workload on each host:
///
///     ip -n H link add vx42 type vxlan id 42 local SELF remote OTHER dstport 4789 dev uplink
///     ip -n H addr add 10.99.0.I/24 dev vx42                 # the overlay's own subnet
///     ip -n H link add vxw type veth peer name eth0 netns W  # the workload, MTU 1450 like flannel's
///     ip -n H route add 10.98.J.0/24 via 10.99.0.J dev vx42  # the other host's workloads
///
/// Workload I is 10.98.I.2 behind 10.98.I.1 on host I. Everything is inside the lab's namespaces
/// (recorded, so `down` removes it).
struct Overlay {
    static let vni = "42"
    static let device = "vx42"
    static let mtu = "1450"   // 1500 minus VXLAN's 50 octets (outer IPv4, UDP, VXLAN header, inner Ethernet)

    let workloadNamespaces: [String]

    static func workloadAddress(_ i: Int) -> String { "10.98.\(i).2" }

    static func build(on lab: Lab) throws -> Overlay {
        let t = lab.topology
        var workloads: [String] = []
        for (i, j) in [(1, 2), (2, 1)] {
            let h = t.host(i).namespace, me = t.host(i).address, other = t.host(j).address
            try lab.exec(h, ["ip", "link", "add", device, "type", "vxlan", "id", vni, "local", me, "remote", other,
                             "dstport", "4789", "dev", LabTopology.uplink])
            try lab.exec(h, ["ip", "addr", "add", "10.99.0.\(i)/24", "dev", device])
            try lab.exec(h, ["ip", "link", "set", device, "up"])
            let w = t.prefix + "vx\(i)"
            try lab.addNamespace(w)
            try lab.exec(h, ["ip", "link", "add", "vxw", "mtu", mtu, "type", "veth", "peer", "name", "eth0", "mtu", mtu, "netns", w])
            try lab.exec(h, ["ip", "addr", "add", "10.98.\(i).1/24", "dev", "vxw"])
            try lab.exec(h, ["ip", "link", "set", "vxw", "up"])
            try lab.exec(w, ["ip", "addr", "add", workloadAddress(i) + "/24", "dev", "eth0"])
            try lab.exec(w, ["ip", "link", "set", "eth0", "up"])
            try lab.exec(w, ["ip", "route", "add", "default", "via", "10.98.\(i).1"])
            try lab.exec(h, ["ip", "route", "add", "10.98.\(j).0/24", "via", "10.99.0.\(j)", "dev", device])
            workloads.append(w)
        }
        return Overlay(workloadNamespaces: workloads)
    }
}
