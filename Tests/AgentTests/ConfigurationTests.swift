import Agent
import Foundation
import IPAddressing
import Testing
import TestScheduling

/// `routed start` options and the YAML file: what is accepted, what each bad value says.
@Suite("AgentConfiguration", .blockingWork)
struct ConfigurationTests {
    func flags(_ body: (inout AgentOptions) -> Void) -> AgentOptions {
        var o = AgentOptions()
        o.as = 64512
        body(&o)
        return o
    }

    @Test("defaults: one embedded pool, /26 blocks, SQLite under the state dir, the default socket")
    func defaults() throws {
        let c = try AgentConfiguration(flags: flags { _ in }, defaultHostname: "node-1")
        #expect(c.pools.map(\.cidr.description) == ["10.244.0.0/16"])
        #expect(c.pools[0].blockLength == 26)
        #expect(c.datastore.description == "sqlite:/var/lib/routed/routed.sqlite")
        #expect(c.socketPath == "/run/routed/routed.sock")
        #expect(c.listenPort == 179)
        #expect(c.routerID == nil)
        #expect(c.hostname == "node-1")
        #expect(c.peers.isEmpty && !c.mesh && !c.preserveForwardingOnExit)
    }

    @Test("ROUTED_SOCKET sets the socket; --socket wins over it")
    func socketEnvironment() throws {
        let env = ["ROUTED_SOCKET": "/tmp/a.sock"]
        #expect(try AgentConfiguration(flags: flags { _ in }, environment: env, defaultHostname: "h").socketPath == "/tmp/a.sock")
        #expect(try AgentConfiguration(flags: flags { $0.socket = "/tmp/b.sock" }, environment: env, defaultHostname: "h").socketPath == "/tmp/b.sock")
    }

    @Test("peers: kind and safe default route policies")
    func peerKinds() throws {
        let c = try AgentConfiguration(flags: flags {
            $0.peer = ["192.0.2.2", "192.0.2.1,as=64500,hold=30", "192.0.2.3,as=64512,rr-client,import=all,export=none"]
        }, defaultHostname: "h")
        #expect(c.peers.map(\.kind) == [.ibgp, .ebgp, .rrClient])
        #expect(c.peers.map(\.effectiveImport) == ["pool", "default-route", "all"])
        #expect(c.peers.map(\.effectiveExport) == ["blocks", "aggregates", "none"])
        #expect(c.peers[1].spec.holdTime == 30)
    }

    @Test("contrib/routed.yaml loads, and flags override it")
    func contribFile() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("contrib/routed.yaml").path
        let file = try AgentOptions(yamlFile: path)
        let c = try AgentConfiguration(file: file, flags: AgentOptions(), defaultHostname: "h")
        #expect(c.localAS == 64512)
        #expect(c.routerID == IPv4Address("192.0.2.11"))
        #expect(c.peers.count == 2)
        #expect(c.peers[1].effectiveImport == "from-core")
        #expect(c.metrics?.port == 9179)
        #expect(c.hostname == "node-1")
        var over = AgentOptions()
        over.as = 65001
        over.pool = ["10.50.0.0/16"]
        let d = try AgentConfiguration(file: file, flags: over, defaultHostname: "h")
        #expect(d.localAS == 65001)
        #expect(d.pools.map(\.cidr.description) == ["10.50.0.0/16"])
        #expect(d.mtu == 1500)   // from the file
    }

    /// One bad value per row: the option named in the error, and a fragment of what it says.
    static let badFlags: [(String, @Sendable (inout AgentOptions) -> Void, String, String)] = [
        ("no AS", { $0.as = nil }, "--as", "required"),
        ("AS 0", { $0.as = 0 }, "--as", "reserved"),
        ("AS_TRANS", { $0.as = 23456 }, "--as", "reserved"),
        ("router id not an address", { $0.routerID = "1.2.3" }, "--router-id", "not a non-zero IPv4"),
        ("router id zero", { $0.routerID = "0.0.0.0" }, "--router-id", "non-zero"),
        ("listen not an address", { $0.listen = "localhost:179" }, "--listen", "ADDR"),
        ("listen port 0", { $0.listen = "10.0.0.1:0" }, "--listen", "ADDR"),
        ("pool host bits", { $0.pool = ["10.244.0.1/16"] }, "--pool 10.244.0.1/16", "CIDR"),
        ("pool not a CIDR", { $0.pool = ["banana"] }, "--pool banana", "CIDR"),
        ("pools overlap", { $0.pool = ["10.0.0.0/8", "10.1.0.0/16"] }, "--pool 10.1.0.0/16", "overlaps"),
        ("pool smaller than a block", { $0.pool = ["10.0.0.0/28"] }, "--pool 10.0.0.0/28", "block length"),
        ("block size 8", { $0.blockSize = 8 }, "--block-size", "16 to 32"),
        ("peer not an address", { $0.peer = ["gateway"] }, "--peer gateway", "not an IPv4 or IPv6"),
        ("peer unknown option", { $0.peer = ["192.0.2.1,colour=red"] }, "--peer 192.0.2.1,colour=red", "unknown option"),
        ("peer bad hold", { $0.peer = ["192.0.2.1,hold=2"] }, "--peer 192.0.2.1,hold=2", "hold"),
        ("peer unknown policy", { $0.peer = ["192.0.2.1,import=mine"] }, "--peer 192.0.2.1,import=mine", "no route policy named 'mine'"),
        ("peer empty policy", { $0.peer = ["192.0.2.1,export="] }, "--peer 192.0.2.1,export=", "names no policy"),
        ("rr-client on eBGP", { $0.peer = ["192.0.2.1,as=1,rr-client"] }, "--peer 192.0.2.1,as=1,rr-client", "iBGP"),
        ("peer twice", { $0.peer = ["192.0.2.1", "192.0.2.1,as=1"] }, "--peer 192.0.2.1,as=1", "twice"),
        ("datastore scheme", { $0.datastore = "mysql://x" }, "--datastore", "sqlite:PATH"),
        ("datastore etcd port", { $0.datastore = "etcd://h:x" }, "--datastore", "HOST:PORT"),
        ("state dir relative", { $0.stateDir = "var/lib" }, "--state-dir", "absolute"),
        ("socket relative", { $0.socket = "routed.sock" }, "--socket", "absolute"),
        ("metrics without port", { $0.metrics = "127.0.0.1" }, "--metrics", "ADDR:PORT"),
        ("uplink too long", { $0.uplink = "an-interface-name-too-long" }, "--uplink", "interface name"),
        ("mtu too small", { $0.mtu = 100 }, "--mtu", "576...65535"),
        ("hostname with a slash", { $0.hostname = "a/b" }, "--hostname", "host name"),
        ("graceful restart 0", { $0.gracefulRestartTime = 0 }, "--graceful-restart-time", "1...4095"),
    ]

    @Test("bad flags: a ConfigurationError naming the option and the fix", arguments: badFlags.indices)
    func badFlag(_ i: Int) {
        let (name, change, option, fragment) = Self.badFlags[i]
        do {
            _ = try AgentConfiguration(flags: flags(change), defaultHostname: "h")
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.option == option, "\(name)")
            #expect(error.description.contains(fragment), "\(name): \(error)")
            #expect(!error.fix.isEmpty, "\(name)")
        }
    }

    static let badFiles: [(String, String)] = [
        ("as: [1, 2]", "'as' is not"),
        ("colour: red", "unknown key 'colour'"),
        ("as: 64512\npool: 10.0.0.0/8", "'pool' is not"),
        ("- as\n- 64512", "top level is not a mapping"),
        ("as: 64512\n  bad: indentation: here", "not valid YAML"),
        ("route-policies:\n  x:\n    accept: [\"10.0.0.0/8 lt 9\"]\nas: 1", "where ge or le was expected"),
    ]

    @Test("bad YAML: a ConfigurationError naming the file and the key", arguments: badFiles)
    func badFile(_ text: String, _ fragment: String) throws {
        do {
            let file = try AgentOptions(yaml: text, source: "test.yaml")
            _ = try AgentConfiguration(file: file, flags: AgentOptions(), defaultHostname: "h")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(fragment), "\(error)")
            #expect(error.option.hasPrefix("--config test.yaml") || error.option == "route-policies")
        }
    }

    @Test("the routed binary exits non-zero on a bad option, before touching the host")
    func binaryRefuses() throws {
        let routed = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("routed").path
        for args in [["start"], ["start", "--as", "64512", "--pool", "10.0.0.1/8"], ["start", "--as", "1", "--config", "/nonexistent.yaml"]] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("routed-bad-\(UUID().uuidString)").path
            let p = Process()
            p.executableURL = URL(fileURLWithPath: routed)
            p.arguments = args + ["--state-dir", dir, "--socket", dir + "/s.sock"]
            let pipe = Pipe()
            p.standardError = pipe
            p.standardOutput = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus != 0, "\(args): \(out)")
            #expect(out.contains("--as") || out.contains("--pool") || out.contains("--config"), "\(out)")
            #expect(!FileManager.default.fileExists(atPath: dir), "\(args) created \(dir)")
        }
    }
}
