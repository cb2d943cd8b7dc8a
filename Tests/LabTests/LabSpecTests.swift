import Foundation
import Lab
import Testing
import TestScheduling

/// `routed lab up`'s options: refused before anything is made, with the fix in the message.
@Suite("Lab options and plan", .blockingWork)
struct LabSpecTests {
    @Test("workloads parse as NAME:NETWORK@HOST", arguments: [
        ("a1:lamp@1", "a1", "lamp", 1),
        ("b2:lnmp@h2", "b2", "lnmp", 2),
        ("c1:lamp@host3", "c1", "lamp", 3),
    ])
    func workload(text: String, name: String, network: String, host: Int) throws {
        #expect(try LabSpec.Workload(parsing: text, hosts: 3) == LabSpec.Workload(name: name, network: network, host: host))
    }

    @Test("bad workloads say what is wrong", arguments: [
        ("a1lamp@1", "not NAME:NETWORK@HOST"),
        ("a1:lamp@4", "no host '4' in a lab of 3 hosts"),
        ("a1:lamp@x", "no host 'x'"),
        (":lamp@1", "the name '' is not"),
        ("a1:la mp@1", "the network 'la mp' is not"),
    ])
    func badWorkload(text: String, problem: String) {
        #expect { try LabSpec.Workload(parsing: text, hosts: 3) } throws: { error in
            "\(error)".contains(problem) && "\(error)".contains("a1:lamp@1")
        }
    }

    @Test("bad specs are refused", arguments: [
        ("Lab", 3, "--name Lab"), ("averylongname", 3, "--name averylongname"), ("lab", 0, "--hosts 0"), ("lab", 51, "--hosts 51"),
    ])
    func badSpec(name: String, hosts: Int, option: String) {
        #expect { try LabSpec(name: name, hosts: hosts) } throws: { "\($0)".hasPrefix(option) }
    }

    @Test("two workloads with one name are refused")
    func duplicateWorkload() {
        #expect { try LabSpec(workloads: [.init(name: "a1", network: "lamp", host: 1), .init(name: "a1", network: "lnmp", host: 2)]) }
            throws: { "\($0)".contains("two workloads are named a1") }
    }

    @Test("the plan: per-lab namespaces, short interface names, one --peer per other host plus the gateway with export=blocks")
    func plan() throws {
        let t = LabTopology(try LabSpec(name: "x1", hosts: 3, workloads: [.init(name: "a1", network: "lamp", host: 1)], directory: "/tmp/l"))
        #expect(t.namespaces == ["rl-x1-sw", "rl-x1-gw", "rl-x1-cl", "rl-x1-h1", "rl-x1-h2", "rl-x1-h3", "rl-x1-w-a1"])
        #expect(t.hosts.map(\.address) == ["192.0.2.11", "192.0.2.12", "192.0.2.13"])
        let args = t.agentArguments(2)
        let peers = args.indices.filter { args[$0] == "--peer" }.map { args[$0 + 1] }
        #expect(peers == ["192.0.2.11,hold=9,connect-retry=1", "192.0.2.13,hold=9,connect-retry=1",
                          "192.0.2.1,as=65000,export=blocks,hold=9,connect-retry=1"])
        #expect(args.contains("sqlite:/tmp/l/routed.sqlite") && args.contains("/tmp/l/h2.sock"))
        #expect([LabTopology.uplink, LabTopology.bridge].allSatisfy { $0.utf8.count <= 15 })
    }

    @Test("--mesh replaces the host peers with one flag; --gateway-rr peers only with the reflector")
    func peering() throws {
        let mesh = LabTopology(try LabSpec(hosts: 3, peering: .mesh)).agentArguments(1)
        #expect(mesh.contains("--mesh") && mesh.filter { $0 == "--peer" }.count == 1)
        let rr = LabTopology(try LabSpec(hosts: 3, peering: .gatewayReflector))
        #expect(rr.agentArguments(1).filter { $0 == "--peer" }.count == 1 && rr.gatewayPeer.hasPrefix("192.0.2.1,as=64512"))
        #expect(rr.gatewayAS == 64512)
    }

    @Test("the gateway's BIRD config accepts only pool blocks, sends the default, exports to the kernel")
    func birdConfig() throws {
        let text = GatewayConfig.render(LabTopology(try LabSpec(hosts: 2)))
        #expect(text.contains("define ROUTED_POOL = [ 10.244.0.0/16{16,26} ];"))
        #expect(text.contains("if net ~ ROUTED_POOL then accept;\n    reject;"))
        #expect(text.contains("if net = 0.0.0.0/0 then accept;\n    reject;"))
        #expect(text.contains("export where source = RTS_BGP;"))
        #expect(text.contains("protocol bgp h1 from routed_host {\n    neighbor 192.0.2.11 as 64512;\n}"))
        #expect(text.contains("local 192.0.2.1 as 65000;") && !text.contains("rr client"))
        let rr = GatewayConfig.render(LabTopology(try LabSpec(hosts: 2, peering: .gatewayReflector)))
        #expect(rr.contains("local 192.0.2.1 as 64512;") && rr.contains("rr client;"))
    }

    @Test("a program is found on root's PATH, or as a path with a slash (relative ones from the current directory)")
    func which() throws {
        #expect(Shell.which("sh") == "/usr/bin/sh" || Shell.which("sh") == "/bin/sh")
        #expect(Shell.which("no-such-program-routed") == nil)
        // From the current directory up to / and down again (the working directory is never changed:
        // the suite runs in parallel with others).
        let up = String(repeating: "../", count: FileManager.default.currentDirectoryPath.split(separator: "/").count)
        let sh = try #require(Shell.which("sh"))
        #expect(Shell.which(up + sh.dropFirst()) == sh)
        #expect(Shell.which("./" + up + "usr/../" + sh.dropFirst()) == sh)
        #expect(Shell.which(up + "usr/bin/no-such-program-routed") == nil)
    }

    @Test("the lab's /26 block of an address", arguments: [
        ("10.244.0.65", "10.244.0.64/26"), ("10.244.0.0", "10.244.0.0/26"), ("10.244.1.255", "10.244.1.192/26"), ("not-an-address", "not-an-address"),
    ])
    func blockOfAddress(address: String, block: String) {
        #expect(LabTopology.block(of: address) == block)
    }
}
