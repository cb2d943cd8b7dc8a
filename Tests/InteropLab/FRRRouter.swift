import Foundation

/// FRR's bgpd in one namespace of a lab, without zebra:
/// `ip netns exec NS bgpd -Z -f DIR/bgpd.conf -i DIR/bgpd.pid -z DIR/zserv.api --vty_socket DIR -P 0 -u frr -g frr`,
/// queried with `vtysh --vty_socket DIR -c '... json'`. DIR is owned by user frr (bgpd drops to it).
public final class FRRRouter {
    public let lab: NamespaceLab
    public let namespace: String
    public let asn: UInt32
    /// The vty socket directory (owned by frr), holding config, pid file and logs.
    public let directory: String
    public let configPath: String
    public let logPath: String
    /// bgpd's listen port (`-p`; 0 does not listen).
    public let listenPort: Int
    public private(set) var process: ChildProcess?

    public static let programs = ["/usr/lib/frr/bgpd", "vtysh"]

    /// Writes `config` as `bgpd.conf` and starts bgpd; returns once vtysh answers.
    /// - Parameter asn: the `router bgp` AS of `config` (needed by `announce`).
    public init(lab: NamespaceLab, namespace: String, config: String, asn: UInt32, listenPort: Int = 179) throws {
        try lab.checkNamespace(namespace)
        self.lab = lab
        self.namespace = namespace
        self.asn = asn
        self.listenPort = listenPort
        directory = lab.path("frr-\(namespace.split(separator: "-").last ?? "")")
        configPath = directory + "/bgpd.conf"
        logPath = directory + "/bgpd.log"
        try Command.run(["install", "-d", "-o", "frr", "-g", "frr", "-m", "0755", directory])
        do {
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw LabError.launchFailed(command: ["write", configPath], reason: "\(error)")
        }
        try Command.run(["chown", "frr:frr", configPath])
        try start()
    }

    public convenience init(lab: NamespaceLab, namespace: String, config: FRRConfig, listenPort: Int = 179) throws {
        let directory = lab.path("frr-\(namespace.split(separator: "-").last ?? "")")
        try self.init(lab: lab, namespace: namespace,
                      config: config.render(hostname: namespace, logFile: directory + "/bgpd.log"), asn: config.asn,
                      listenPort: listenPort)
    }

    /// Starts bgpd and waits (at most 15 s) until `show bgp summary json` answers.
    public func start() throws {
        if let process, process.isRunning { return }
        let child = try lab.spawn(namespace, [
            "/usr/lib/frr/bgpd", "-Z", "-f", configPath, "-i", directory + "/bgpd.pid",
            "-z", directory + "/zserv.api", "--vty_socket", directory, "-P", "0", "-p", String(listenPort), "-u", "frr", "-g", "frr",
        ], logFile: directory + "/bgpd.out")
        process = child
        try child.waitUntilReady("bgpd in \(namespace)", waitingFor: "bgpd vty socket in \(directory)",
                                 timeout: .seconds(15), interval: 0.1) {
            (try? vtysh(["show bgp summary json"], timeout: .seconds(3)))?.contains("{") == true
        }
    }

    public func stop() { process?.stop() }
    public func kill() { process?.kill() }
    public func restart() throws {
        stop()
        try start()
    }

    /// `vtysh --vty_socket DIR -c C1 -c C2 ...` inside the namespace.
    @discardableResult
    public func vtysh(_ commands: [String], timeout: Duration = .seconds(30)) throws -> String {
        try lab.run(namespace, ["vtysh", "--vty_socket", directory] + commands.flatMap { ["-c", $0] }, timeout: timeout)
    }

    /// The session state with `addr` (`Established`, `Active`, `Connect`, ...), from
    /// `show bgp neighbors ADDR json`.
    public func neighborState(_ addr: String) throws -> String {
        try FRROutput.neighborState(try vtysh(["show bgp neighbors \(addr) json"]), address: addr)
    }

    /// Every path of `afi` (`ipv4` or `ipv6`) unicast: the prefixes of `show bgp AFI unicast json`,
    /// then `show bgp AFI unicast PREFIX json` for each (the only JSON that carries communities).
    public func routes(afi: String = "ipv4") throws -> [LearnedRoute] {
        guard afi == "ipv4" || afi == "ipv6" else { throw LabError.invalidName(afi, reason: "afi is \"ipv4\" or \"ipv6\"") }
        let prefixes = try FRROutput.prefixes(try vtysh(["show bgp \(afi) unicast json"]))
        return try prefixes.flatMap { try FRROutput.paths(try vtysh(["show bgp \(afi) unicast \($0) json"])) }
    }

    /// Originates `prefix` at run time: `router bgp AS / address-family F unicast / network P`.
    public func announce(prefix: String) throws {
        try configureNetwork(prefix, remove: false)
    }

    /// Stops originating `prefix`: `no network P`.
    public func withdraw(prefix: String) throws {
        try configureNetwork(prefix, remove: true)
    }

    private func configureNetwork(_ prefix: String, remove: Bool) throws {
        let family = prefix.contains(":") ? "ipv6" : "ipv4"
        let output = try vtysh(["configure terminal", "router bgp \(asn)", "address-family \(family) unicast",
                                "\(remove ? "no " : "")network \(prefix)"])
        if output.contains("%") { throw LabError.badConfiguration(daemon: "bgpd (network \(prefix))", message: output) }
    }

    /// Waits until the session with `addr` is in `state`.
    public func waitForNeighbor(_ addr: String, _ state: String = "Established", timeout: Duration = .seconds(45)) async throws {
        _ = try await waitForValue("frr neighbor \(addr) \(state)", timeout: timeout,
                                   { try neighborState(addr) }, until: { $0 == state })
    }

    /// Waits until the RIB of `afi` satisfies `accept`; returns that RIB.
    @discardableResult
    public func waitForRoutes(afi: String = "ipv4", timeout: Duration = .seconds(45),
                              _ accept: ([LearnedRoute]) -> Bool) async throws -> [LearnedRoute] {
        try await waitForValue("frr \(afi) RIB", timeout: timeout, interval: .milliseconds(500),
                               { try routes(afi: afi) }, until: accept)
    }
}
