import Testing
import Policy

/// Real packets through the ruleset programmed with libnftnl (full load, then one diff batch
/// per change), in namespaces this test creates.
@Suite(.serialized, .enabled(if: canRunTraffic,
    "needs root, ip, nft, ping and nc (apt-get install iputils-ping netcat-openbsd nftables): skipped"))
struct LibnftnlTrafficTests {
    @Test func isolationFollowsThePoliciesThroughLibnftnl() throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        lab.kernel = try KernelTable(namespace: lab.host.name)

        try lab.program()
        #expect(lab.ping(1, 3) && lab.ping(3, 1) && lab.ping(1, 2), "no policy, default allow")
        #expect(lab.udp(1, 3) && lab.tcp(3, 1, port: 8080), "UDP and TCP flow with no policy")

        // deny lamp lnmp: both directions, ICMP, TCP and UDP; within each network traffic flows.
        try lab.program { try $0.add($0.rule(.deny, from: "lamp", to: "lnmp")) }
        #expect(!lab.ping(1, 3) && !lab.ping(3, 1) && !lab.ping(2, 4), "deny blocks ICMP both ways")
        #expect(!lab.tcp(1, 3, port: 8080) && !lab.tcp(4, 2, port: 8080), "deny blocks TCP both ways")
        #expect(!lab.udp(1, 3) && !lab.udp(4, 2), "deny blocks UDP both ways")
        #expect(lab.ping(1, 2) && lab.ping(3, 4) && lab.udp(4, 3), "same network always flows")
        #expect(lab.counter(chain: "p1") > 0, "the policy's counter counts its drops")

        // Port-specific allow under the broad deny (map vports).
        try lab.program { try $0.add($0.rule(.allow, from: "lamp", to: "lnmp", proto: "tcp", port: "8080")) }
        #expect(lab.tcp(1, 3, port: 8080) && lab.tcp(3, 1, port: 8080), "allow tcp 8080 under deny (both ways)")
        #expect(!lab.tcp(1, 3, port: 8081) && !lab.ping(1, 3), "everything else stays denied")

        // --one-way: only lamp → lnmp is blocked.
        try lab.program { book in
            for p in book.sortedPolicies { try book.remove(p.id) }
            try book.add(book.rule(.deny, from: "lamp", to: "lnmp", oneWay: true))
        }
        #expect(!lab.ping(1, 3) && !lab.tcp(2, 4, port: 8080), "one-way: lamp → lnmp blocked")
        #expect(lab.ping(3, 1) && lab.tcp(4, 2, port: 8080), "one-way: lnmp → lamp flows (replies via conntrack)")

        // Removing the policy restores traffic.
        try lab.program { book in for p in book.sortedPolicies { try book.remove(p.id) } }
        #expect(lab.ping(1, 3) && lab.ping(3, 1) && lab.tcp(1, 3, port: 8081) && lab.udp(3, 1), "removing the policy restores traffic")

        // Default deny (hook chains rebuilt in the diff batch), then back.
        try lab.program { $0.defaultAction = .deny }
        #expect(!lab.ping(1, 3) && lab.ping(1, 2), "default deny isolates networks")
        try lab.program { $0.defaultAction = .allow }
        #expect(lab.ping(1, 3))
    }

    @Test func aSpoofedSourceIsDroppedThroughLibnftnl() throws {
        let lab = try TrafficLab()
        defer { lab.delete() }
        lab.kernel = try KernelTable(namespace: lab.host.name)
        try lab.program()
        try lab.workloads[2].nft("table ip spoofseen {\n chain input {\n type filter hook input priority 0;\n ip saddr 10.66.0.2 icmp type echo-request counter\n }\n}\n")
        func seen() -> Int {
            let out = lab.workloads[2].exec(["nft", "list", "table", "ip", "spoofseen"]).out
            return out.firstMatch(of: /counter packets (\d+)/).flatMap { Int($0.1) } ?? -1
        }
        try lab.workloads[0].must(["ip", "addr", "add", "10.66.0.2/32", "dev", "eth0"])
        _ = lab.ping(1, 3, source: "10.66.0.2")
        #expect(seen() == 0, "the spoofed echo request never reached w3")
        #expect(lab.counter(chain: "prerouting") > 0, "the anti-spoofing rule counted the drop")
        #expect(lab.ping(2, 3) && seen() == 1, "the real owner of 10.66.0.2 gets through")
    }
}
