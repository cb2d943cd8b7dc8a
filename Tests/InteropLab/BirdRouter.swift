import Foundation

/// A BIRD 2 daemon in one namespace of a lab:
/// `ip netns exec NS bird -f -c CONF -s SOCKET -P PIDFILE`, queried with `birdc -s SOCKET`.
/// `-f` keeps it in the foreground, so the pid the lab holds is BIRD's own.
public final class BirdRouter {
    public let lab: NamespaceLab
    public let namespace: String
    public let name: String
    public let configPath: String
    public let socketPath: String
    public let pidFile: String
    /// BIRD's own log (`log "..." all;` in configs built by `BirdConfig`).
    public let logPath: String
    /// stdout/stderr of the process.
    public let outputPath: String
    public private(set) var process: ChildProcess?

    /// Programs this router needs.
    public static let programs = ["bird", "birdc"]

    /// Writes `config` and starts BIRD; returns once its control socket answers.
    public init(lab: NamespaceLab, namespace: String, config: String, name: String = "bird") throws {
        try lab.checkNamespace(namespace)
        self.lab = lab
        self.namespace = namespace
        self.name = name
        let base = lab.path("\(name)-\(namespace.split(separator: "-").last ?? "")")
        configPath = base + ".conf"
        socketPath = base + ".ctl"
        pidFile = base + ".pid"
        logPath = base + ".log"
        outputPath = base + ".out"
        try write(config)
        try start()
    }

    /// Starts BIRD with a configuration built by `BirdConfig` (logging to `logPath`).
    public convenience init(lab: NamespaceLab, namespace: String, config: BirdConfig, name: String = "bird") throws {
        let base = lab.path("\(name)-\(namespace.split(separator: "-").last ?? "")")
        try self.init(lab: lab, namespace: namespace, config: config.render(logFile: base + ".log"), name: name)
    }

    /// Writes the configuration after checking it with `bird -p -c CONF` (parse only).
    func write(_ config: String) throws {
        do {
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw LabError.launchFailed(command: ["write", configPath], reason: "\(error)")
        }
        let check = try lab.execute(namespace, ["bird", "-p", "-c", configPath])
        guard check.status == 0 else {
            throw LabError.badConfiguration(daemon: "bird (\(configPath))", message: check.output)
        }
    }

    /// Starts the daemon (again) and waits, at most 10 s, until `birdc show status` answers.
    public func start() throws {
        if let process, process.isRunning { return }
        try? FileManager.default.removeItem(atPath: socketPath)  // stale after kill()
        let child = try lab.spawn(
            namespace, ["bird", "-f", "-c", configPath, "-s", socketPath, "-P", pidFile], logFile: outputPath)
        process = child
        try child.waitUntilReady("bird in \(namespace)", waitingFor: "bird control socket \(socketPath)",
                                 timeout: .seconds(10), interval: 0.05) {
            (try? birdc(["show", "status"], timeout: .seconds(2)))?.contains("Daemon is up and running") == true
        }
    }

    /// SIGTERM (then SIGKILL after a bound): a clean shutdown, BIRD sends Cease to its peers.
    public func stop() { process?.stop() }

    /// SIGKILL: a crash. The peers' TCP connections are reset by the kernel, no NOTIFICATION.
    public func kill() { process?.kill() }

    /// Stops (SIGTERM) and starts again with the same configuration.
    public func restart() throws {
        stop()
        try start()
    }

    /// Replaces the configuration and applies it with `birdc configure` (protocols whose options
    /// changed restart, as BIRD does on a reload).
    public func reconfigure(_ config: String) throws {
        try write(config)
        let output = try birdc(["configure"])
        guard output.contains("Reconfigured") || output.contains("Reconfiguration in progress") else {
            throw LabError.badConfiguration(daemon: "bird (birdc configure)", message: output)
        }
    }

    public func reconfigure(_ config: BirdConfig) throws {
        try reconfigure(config.render(logFile: logPath))
    }

    /// `birdc -s SOCKET ARGS...` inside the namespace.
    @discardableResult
    public func birdc(_ args: [String], timeout: Duration = .seconds(30)) throws -> String {
        try lab.run(namespace, ["birdc", "-s", socketPath] + args, timeout: timeout)
    }

    /// The BGP session state of protocol `name` (`Established`, `Active`, `Connect`, ...), from
    /// `birdc show protocols NAME`.
    public func protocolState(_ name: String) throws -> String {
        let output = try birdc(["show", "protocols", name])
        guard let state = BirdOutput.protocolState(output, name: name) else {
            throw LabError.unparsable(what: "state of protocol \(name)", output: output)
        }
        return state
    }

    /// The protocol's `Last error:` (`Hold timer expired`, ...), from `birdc show protocols all NAME`.
    public func lastError(_ name: String) throws -> String? {
        BirdOutput.lastError(try birdc(["show", "protocols", "all", name]))
    }

    /// Every path in `table` (`master4`, `master6`, ...), from `birdc show route all table T`.
    public func routes(table: String = "master4") throws -> [LearnedRoute] {
        let output = try birdc(["show", "route", "all", "table", table])
        if output.contains("syntax error") || output.contains("not found") || output.contains("No such") {
            throw LabError.unparsable(what: "routes of table \(table)", output: output)
        }
        return try BirdOutput.routes(output)
    }

    /// Bounded polling (every 250 ms) until `condition` holds.
    public func waitFor(_ what: String = "condition", timeout: Duration, _ condition: () throws -> Bool) async throws {
        try await waitUntil("\(what) (bird in \(namespace))", timeout: timeout, condition)
    }

    /// Waits until protocol `name` is in `state`.
    public func waitForState(_ name: String, _ state: String = "Established", timeout: Duration = .seconds(45)) async throws {
        _ = try await waitForValue("bird protocol \(name) \(state)", timeout: timeout, { try protocolState(name) }, until: { $0 == state })
    }
}

extension BirdRouter {
    /// Waits until `table` satisfies `accept`; returns that table.
    @discardableResult
    public func waitForRoutes(table: String = "master4", timeout: Duration = .seconds(45),
                              _ accept: ([LearnedRoute]) -> Bool) async throws -> [LearnedRoute] {
        try await waitForValue("bird table \(table)", timeout: timeout, { try routes(table: table) }, until: accept)
    }
}
