import BGPWire
import Dataplane
import Datastore
import Foundation
import Hummingbird
import IPAddressing
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `routed start`: reads the host's facts, opens the datastore and the dataplane, adopts what an
/// earlier run left, then serves the control socket and runs BGP until SIGTERM/SIGINT.
public enum AgentRunner {
    public static func run(_ configuration: AgentConfiguration, logger: Logger) async throws {
        var config = configuration
        // Facts: the uplink and the router id. Only reads.
        let facts = try? HostFacts.uplink(named: config.uplink)
        if config.uplink != nil, facts == nil { _ = try HostFacts.uplink(named: config.uplink) }   // the precise error
        let routerID: IPv4Address
        if let id = config.routerID {
            routerID = id
        } else {
            let f = try HostFacts.uplink(named: config.uplink)
            guard let a = f.ipv4 else {
                throw ConfigurationError(option: "--router-id", problem: "the uplink \(f.name) has no IPv4 address",
                                         fix: "give --router-id A.B.C.D")
            }
            routerID = a
        }
        config.uplink = config.uplink ?? facts?.name

        for dir in [config.stateDirectory, (config.socketPath as NSString).deletingLastPathComponent] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let store = try config.datastore.open()
        let dataplane = try LinuxDataplane(uplink: config.uplink, mtu: config.mtu)
        try dataplane.enableForwarding()
        let restarting = !(try dataplane.installedRoutes().isEmpty)
        let gr = GracefulRestartCapability(restartState: restarting, restartTime: config.gracefulRestartTime,
                                           families: [.init(family: .ipv4Unicast, forwardingPreserved: restarting)])
        let speaker = try SpeakerRouting(
            settings: .init(localAS: config.localAS, routerID: routerID, listenAddress: config.listenAddress,
                            listenPort: config.listenPort, gracefulRestart: gr),
            peers: config.peers, pools: config.pools, routePolicies: config.routePolicies,
            group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "routed.bgp"))
        let agent = Agent(configuration: config, routerID: routerID, store: store, dataplane: dataplane, speaker: speaker,
                          policy: NFTPolicyProgrammer(), logger: logger)
        try await agent.bootstrap()
        logger.notice("routed started", metadata: ["as": "\(config.localAS)", "router-id": "\(routerID)", "host": "\(config.hostname)",
                                                   "datastore": "\(config.datastore)", "restart": "\(restarting)"])

        let socketPath = config.socketPath
        let banner = "routed: agent running (AS \(config.localAS), router id \(routerID)); control socket \(socketPath)\n"
        let control = Application(
            router: ControlRoutes.router(agent: agent),
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "routed"),
            onServerRunning: { _ in
                chmod(socketPath, 0o600)
                FileHandle.standardOutput.write(Data(banner.utf8))
            },
            logger: Logger(label: "routed.api"))
        var services: [any Service] = [control, AgentLoops(agent: agent, speaker: speaker, store: store, dataplane: dataplane)]
        if let m = config.metrics {
            let router = Router()
            ControlRoutes.addHealthAndMetrics(to: router, agent: agent)
            services.append(Application(router: router, configuration: .init(address: .hostname(m.host, port: m.port)),
                                        logger: Logger(label: "routed.metrics")))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
