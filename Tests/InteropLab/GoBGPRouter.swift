import Foundation

/// A GoBGP daemon in one namespace of a lab:
/// `ip netns exec NS gobgpd -f CONF --api-hosts 127.0.0.1:PORT`, driven with `gobgp --port PORT`.
/// The gRPC API listens on the namespace's own loopback, so every lab can use the same port.
public final class GoBGPRouter {
    public let lab: NamespaceLab
    public let namespace: String
    public let apiPort: Int
    public let configPath: String
    public let logPath: String
    public private(set) var process: ChildProcess?
    /// Querying the RIB while GoBGP loads stalls it: at most one RIB query a second.
    public static let ribQueryInterval: Duration = .seconds(1)
    private var lastRIBQuery: ContinuousClock.Instant?

    public static let programs = ["gobgpd", "gobgp"]

    /// Writes `config` (checked first with `gobgpd -d`) and starts gobgpd; returns once the API answers.
    public init(lab: NamespaceLab, namespace: String, config: String, apiPort: Int = 50051) throws {
        try lab.checkNamespace(namespace)
        self.lab = lab
        self.namespace = namespace
        self.apiPort = apiPort
        let base = lab.path("gobgpd-\(namespace.split(separator: "-").last ?? "")")
        configPath = base + ".toml"
        logPath = base + ".log"
        do {
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw LabError.launchFailed(command: ["write", configPath], reason: "\(error)")
        }
        let check = try lab.execute(namespace, ["gobgpd", "-d", "-f", configPath])  // in the lab: a hostname lookup stays there
        guard check.status == 0 else { throw LabError.badConfiguration(daemon: "gobgpd (\(configPath))", message: check.output) }
        try start()
    }

    public convenience init(lab: NamespaceLab, namespace: String, config: GoBGPConfig, apiPort: Int = 50051) throws {
        try self.init(lab: lab, namespace: namespace, config: config.render(), apiPort: apiPort)
    }

    /// Starts gobgpd and waits (at most 20 s) until `gobgp global` answers.
    public func start() throws {
        if let process, process.isRunning { return }
        let child = try lab.spawn(
            namespace, ["gobgpd", "-f", configPath, "--api-hosts", "127.0.0.1:\(apiPort)", "-l", "info", "-p"],
            logFile: logPath)
        process = child
        try child.waitUntilReady("gobgpd in \(namespace)", waitingFor: "gobgpd API on 127.0.0.1:\(apiPort)",
                                 timeout: .seconds(20), interval: 0.2) {
            (try? gobgp(["global"], timeout: .seconds(3))) != nil
        }
    }

    public func stop() { process?.stop() }
    public func kill() { process?.kill() }
    public func restart() throws {
        stop()
        try start()
    }

    /// `gobgp --port PORT ARGS...` inside the namespace.
    @discardableResult
    public func gobgp(_ args: [String], timeout: Duration = .seconds(30)) throws -> String {
        try lab.run(namespace, ["gobgp", "--port", String(apiPort)] + args, timeout: timeout)
    }

    /// The session state with `addr` (`Established`, `Active`, ...), from `gobgp neighbor ADDR -j`.
    public func neighborState(_ addr: String) throws -> String {
        try GoBGPOutput.neighborState(try gobgp(["neighbor", addr, "-j"]))
    }

    /// Every path in the global RIB of `family` (`ipv4` or `ipv6`), from `gobgp global rib -a F -j`.
    /// Spaced at least `ribQueryInterval` apart (it sleeps the remainder).
    public func routes(family: String = "ipv4") throws -> [LearnedRoute] {
        guard family == "ipv4" || family == "ipv6" else {
            throw LabError.invalidName(family, reason: "family is \"ipv4\" or \"ipv6\"")
        }
        if let last = lastRIBQuery {
            let wait = Self.ribQueryInterval - (ContinuousClock.now - last)
            if wait > .zero { Thread.sleep(forTimeInterval: wait.timeInterval) }
        }
        defer { lastRIBQuery = ContinuousClock.now }
        return try GoBGPOutput.routes(try gobgp(["global", "rib", "-a", family, "-j"]))
    }

    /// Originates `prefix`: `gobgp global rib add -a F PREFIX [nexthop A] [community ...] [large-community ...]`.
    public func announce(prefix: String, nextHop: String? = nil, communities: [String] = [],
                         largeCommunities: [String] = [], med: UInt32? = nil) throws {
        var args = ["global", "rib", "add", "-a", family(of: prefix), prefix]
        if let nextHop { args += ["nexthop", nextHop] }
        if !communities.isEmpty { args += ["community", communities.joined(separator: ",")] }
        if !largeCommunities.isEmpty { args += ["large-community", largeCommunities.joined(separator: ",")] }
        if let med { args += ["med", String(med)] }
        try gobgp(args)
    }

    /// Withdraws a prefix this daemon originated: `gobgp global rib del -a F PREFIX`.
    public func withdraw(prefix: String) throws {
        try gobgp(["global", "rib", "del", "-a", family(of: prefix), prefix])
    }

    /// Waits until the session with `addr` is in `state` (polls every 500 ms).
    public func waitForNeighbor(_ addr: String, _ state: String = "Established", timeout: Duration = .seconds(45)) async throws {
        _ = try await waitForValue("gobgp neighbor \(addr) \(state)", timeout: timeout, interval: .milliseconds(500),
                                   { try neighborState(addr) }, until: { $0 == state })
    }

    /// Waits until the RIB of `family` satisfies `accept` (polls once a second); returns that RIB.
    @discardableResult
    public func waitForRoutes(family: String = "ipv4", timeout: Duration = .seconds(45),
                              _ accept: ([LearnedRoute]) -> Bool) async throws -> [LearnedRoute] {
        try await waitForValue("gobgp \(family) RIB", timeout: timeout, interval: Self.ribQueryInterval,
                               { try routes(family: family) }, until: accept)
    }

    private func family(of prefix: String) -> String { prefix.contains(":") ? "ipv6" : "ipv4" }
}
