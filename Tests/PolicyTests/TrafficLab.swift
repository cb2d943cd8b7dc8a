import Foundation
import Policy
import IPAddressing

/// A host namespace and four workload namespaces, each workload behind a veth pair with a /32
/// and a default route via 169.254.1.1 (the address sits on every host-side veth, so the host
/// answers ARP for it), and /32 host routes on the host — routed's data path, built with `ip`
/// inside namespaces this lab creates. `lamp`: w1, w2 (10.66.0.0/24, fd00:66::/64); `lnmp`: w3, w4
/// (10.66.1.0/24, fd00:66:1::/64). IPv6 goes the same way via fe80::1 on every host-side veth.
final class TrafficLab {
    let host: TestNamespace
    let workloads: [TestNamespace]
    static let addresses = ["10.66.0.1", "10.66.0.2", "10.66.1.1", "10.66.1.2"]
    static let addresses6 = ["fd00:66::1", "fd00:66::2", "fd00:66:1::1", "fd00:66:1::2"]
    var listeners: [Process] = []
    private(set) var book = PolicyBook()
    private(set) var current: Ruleset?
    /// When set, `program` goes through libnftnl (one netlink batch per change) instead of `nft -f`.
    var kernel: KernelTable?

    init() throws {
        host = try TestNamespace("h")
        var ws: [TestNamespace] = []
        do {
            for i in 1...4 { ws.append(try TestNamespace("w\(i)")) }
        } catch {
            ws.forEach { $0.delete() }; host.delete(); throw error
        }
        workloads = ws
        do { try build() } catch { delete(); throw error }
    }

    private func build() throws {
        try host.must(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        try host.must(["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"])
        for (i, w) in workloads.enumerated() {
            let hv = "hv\(i + 1)", addr = Self.addresses[i], addr6 = Self.addresses6[i]
            try host.must(["ip", "link", "add", hv, "type", "veth", "peer", "name", "eth0", "netns", w.name])
            try host.must(["ip", "addr", "add", "169.254.1.1/32", "dev", hv])
            try host.must(["ip", "link", "set", hv, "up"])
            try host.must(["ip", "route", "add", "\(addr)/32", "dev", hv])
            try w.must(["ip", "addr", "add", "\(addr)/32", "dev", "eth0"])
            try w.must(["ip", "link", "set", "eth0", "up"])
            try w.must(["ip", "route", "add", "169.254.1.1", "dev", "eth0", "scope", "link"])
            try w.must(["ip", "route", "add", "default", "via", "169.254.1.1", "dev", "eth0"])
            try host.must(["ip", "-6", "addr", "add", "fe80::1/64", "dev", hv, "nodad"])
            try host.must(["ip", "-6", "route", "add", "\(addr6)/128", "dev", hv])
            try w.must(["ip", "-6", "addr", "add", "\(addr6)/128", "dev", "eth0", "nodad"])
            try w.must(["ip", "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0"])
        }
        // Each workload counts the UDP datagrams it receives on port 9000.
        for w in workloads {
            try w.nft("table ip seen {\n chain input {\n type filter hook input priority 0;\n udp dport 9000 counter\n }\n}\n")
        }
        try book.createNetwork("lamp")
        try book.createNetwork("lnmp")
        // TCP listeners on 8080 and 8081 (IPv4) and 8086 (IPv6) in every workload (stopped by pid in `delete`).
        for w in workloads {
            for (family, port) in [("-4", "8080"), ("-4", "8081"), ("-6", "8086")] {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = ["ip", "netns", "exec", w.name, "nc", family, "-lk", port]
                p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
                try p.run()
                listeners.append(p)
            }
        }
        // Wait (bounded) until every listener accepts: on a loaded machine `nc` can take a while to start.
        for w in workloads {
            for attempt in 0..<100 {
                let listening = w.exec(["ss", "-Hltn"], timeout: 5).out
                if listening.contains(":8080") && listening.contains(":8081") && listening.contains(":8086") { break }
                if attempt == 99 { throw TrafficLabError.listenersNotReady(w.name) }
                usleep(100_000)
            }
        }
    }

    var endpoints: [LocalEndpoint] {
        Self.addresses.enumerated().map { i, a in
            LocalEndpoint(ifname: "hv\(i + 1)", addresses: [IPAddress(a)!, IPAddress(Self.addresses6[i])!],
                          network: try! book.id(of: NetworkName(rawValue: i < 2 ? "lamp" : "lnmp")!))
        }
    }

    var memberships: Memberships {
        var m = Memberships()
        try! m.insert(IPPrefix("10.66.0.0/24")!, into: book.id(of: NetworkName(rawValue: "lamp")!))
        try! m.insert(IPPrefix("10.66.1.0/24")!, into: book.id(of: NetworkName(rawValue: "lnmp")!))
        try! m.insert(IPPrefix("fd00:66::/64")!, into: book.id(of: NetworkName(rawValue: "lamp")!))
        try! m.insert(IPPrefix("fd00:66:1::/64")!, into: book.id(of: NetworkName(rawValue: "lnmp")!))
        return m
    }

    /// Compiles the book and programs the host: a full atomic load the first time, then only
    /// the diff. Returns the nft text applied.
    @discardableResult
    func program(_ change: (inout PolicyBook) throws -> Void = { _ in }) throws -> String {
        try change(&book)
        let new = PolicyCompiler.compile(book, memberships: memberships, endpoints: endpoints)
        if let kernel {
            try kernel.program(new)
            current = new
            return ""
        }
        let text = current.map { RulesetDiff(from: $0, to: new).nftText() } ?? new.nftReplaceText()
        if !text.isEmpty { try host.nft(text) }
        current = new
        return text
    }

    /// `ping -c1 -W1` from workload `from` (1-based) to workload `to`'s address.
    func ping(_ from: Int, _ to: Int, source: String? = nil) -> Bool {
        var args = ["ping", "-n", "-q", "-c1", "-W1"]
        if let source { args += ["-I", source] }
        return workloads[from - 1].exec(args + [Self.addresses[to - 1]], timeout: 5).status == 0
    }

    /// `ping -6 -c1 -W1` from workload `from` to workload `to`'s IPv6 address.
    func ping6(_ from: Int, _ to: Int) -> Bool {
        workloads[from - 1].exec(["ping", "-6", "-n", "-q", "-c1", "-W1", Self.addresses6[to - 1]], timeout: 5).status == 0
    }

    /// A TCP connection over IPv6 from workload `from` to workload `to` on `port`.
    func tcp6(_ from: Int, _ to: Int, port: Int) -> Bool {
        workloads[from - 1].exec(["nc", "-6", "-z", "-w", "1", Self.addresses6[to - 1], "\(port)"], timeout: 5).status == 0
    }

    /// A TCP connection (SYN, SYN-ACK, ACK) from workload `from` to workload `to` on `port`.
    func tcp(_ from: Int, _ to: Int, port: Int) -> Bool {
        workloads[from - 1].exec(["nc", "-z", "-w", "1", Self.addresses[to - 1], "\(port)"], timeout: 5).status == 0
    }

    /// Sends one UDP datagram from workload `from` to workload `to` port 9000 (bash's
    /// /dev/udp) and tells whether `to` received it.
    func udp(_ from: Int, _ to: Int) -> Bool {
        func received() -> Int {
            let out = workloads[to - 1].exec(["nft", "list", "table", "ip", "seen"]).out
            return out.firstMatch(of: /counter packets (\d+)/).flatMap { Int($0.1) } ?? -1
        }
        let before = received()
        workloads[from - 1].exec(["bash", "-c", "echo routed > /dev/udp/\(Self.addresses[to - 1])/9000"], timeout: 5)
        for _ in 0..<20 {   // bounded: at most ~200 ms
            if received() > before { return true }
            usleep(10_000)
        }
        return false
    }

    /// Packets counted by a chain's first `counter` (`nft list chain inet routed NAME`).
    /// Packets policy `id` counted, as `nft list table inet routed` shows them (its chain
    /// `pN` and the rules with `comment "pN"`, summed).
    func hits(policy id: UInt32) -> UInt64 {
        Ruleset.policyCounters(fromListing: host.exec(["nft", "list", "table", "inet", "routed"]).out)[PolicyID(rawValue: id)]?.packets ?? 0
    }

    func counter(chain: String) -> Int {
        let out = host.exec(["nft", "list", "chain", "inet", "routed", chain]).out
        guard let r = out.firstMatch(of: /counter packets (\d+)/) else { return -1 }
        return Int(r.1) ?? -1
    }

    func delete() {
        // SIGKILL: children spawned by Foundation inherit a mask that blocks SIGTERM.
        for p in listeners where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        listeners = []
        kernel?.stop()
        workloads.forEach { $0.delete() }
        host.delete()
    }
}

enum TrafficLabError: Error, CustomStringConvertible {
    case listenersNotReady(String)
    var description: String {
        switch self { case .listenersNotReady(let ns): "nc listeners in \(ns) did not start within 10 s" }
    }
}
