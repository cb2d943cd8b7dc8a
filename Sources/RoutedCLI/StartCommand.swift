import Agent
import ArgumentParser
import Foundation
import Logging

/// `routed start --as 64512 ...`: the agent. Options as DESIGN.md's contract; `--config FILE`
/// (YAML, `contrib/routed.yaml`) can hold all of them, and a flag overrides the file. Every bad
/// value is refused with the option and the fix, before anything on the host is touched.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run the agent: IPAM, endpoints, BGP, nftables isolation and the control socket.")

    @Option(name: .customLong("as"), help: "Local AS number (required, here or in --config).")
    var asn: UInt32?
    @Option(name: .customLong("router-id"), help: "BGP identifier (default: the uplink's IPv4 address).")
    var routerID: String?
    @Option(help: "BGP listen address ADDR[:PORT] (default 0.0.0.0:179).")
    var listen: String?
    @Option(help: "Address pool CIDR, repeatable (default \(AgentConfiguration.defaultPool)).")
    var pool: [String] = []
    @Option(name: .customLong("block-size"), help: "Prefix length of the blocks hosts claim (default 26).")
    var blockSize: Int?
    @Option(help: "ADDR[,as=N][,password=S][,passive][,rr-client][,hold=S][,import=POLICY][,export=POLICY], repeatable.")
    var peer: [String] = []
    @Flag(help: "iBGP with every other live host in the datastore (each records its BGP address; peers follow hosts as they come and go; import pool, export blocks; --peer wins for the same address).")
    var mesh = false
    @Option(help: "sqlite:PATH or etcd://HOST:PORT[,HOST:PORT...] (default sqlite under --state-dir).")
    var datastore: String?
    @Option(name: .customLong("state-dir"), help: "State directory (default \(AgentConfiguration.defaultStateDirectory)).")
    var stateDir: String?
    @Option(help: "Control socket (default $ROUTED_SOCKET or /run/routed/routed.sock).")
    var socket: String?
    @Option(help: "Also serve /metrics and /healthz over HTTP on ADDR:PORT.")
    var metrics: String?
    @Option(help: "Uplink interface (default: the interface of the default route).")
    var uplink: String?
    @Option(help: "Endpoint MTU (default: the uplink's).")
    var mtu: Int?
    @Option(help: "YAML config file; flags override it.")
    var config: String?
    @Option(help: "This host's name in the datastore (default: the system host name).")
    var hostname: String?
    @Flag(name: .customLong("preserve-forwarding-on-exit"), help: "On SIGTERM close the BGP sessions without Cease, so graceful-restart peers keep forwarding.")
    var preserveForwardingOnExit = false
    @Option(name: .customLong("graceful-restart-time"), help: "Seconds peers keep our routes while we restart (default 120).")
    var gracefulRestartTime: Int?
    @Option(name: .customLong("block-release-grace"), help: "Seconds an empty block stays claimed and announced before it is released (default 300).")
    var blockReleaseGrace: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning or error.")
    var logLevel: String = "notice"

    var flags: AgentOptions {
        var o = AgentOptions()
        o.as = asn; o.routerID = routerID; o.listen = listen; o.pool = pool; o.blockSize = blockSize; o.peer = peer
        o.mesh = mesh ? true : nil; o.datastore = datastore; o.stateDir = stateDir; o.socket = socket; o.metrics = metrics
        o.uplink = uplink; o.mtu = mtu; o.hostname = hostname
        o.preserveForwardingOnExit = preserveForwardingOnExit ? true : nil; o.gracefulRestartTime = gracefulRestartTime
        o.blockReleaseGrace = blockReleaseGrace
        return o
    }

    func run() async throws {
        // A parent may hand us SIGTERM/SIGINT blocked (a Swift test process does): take them back,
        // so ServiceLifecycle's graceful shutdown sees them.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level \(logLevel): use trace, debug, info, notice, warning or error")
        }
        let configuration: AgentConfiguration
        do {
            let file = try config.map { path throws(ConfigurationError) in try AgentOptions(yamlFile: path) } ?? AgentOptions()
            configuration = try AgentConfiguration(file: file, flags: flags, environment: ProcessInfo.processInfo.environment,
                                                   defaultHostname: ProcessInfo.processInfo.hostName)
        } catch {
            throw ValidationError(error.description)
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        do {
            try await AgentRunner.run(configuration, logger: Logger(label: "routed"))
        } catch let e as ConfigurationError {
            throw ValidationError(e.description)
        }
    }
}
