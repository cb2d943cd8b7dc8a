public import Dataplane
public import IPAM
import Foundation
import Logging
public import ServiceLifecycle

/// The agent's background work as one `Service`: best-route changes from BGP, datastore changes,
/// the host heartbeat, kernel notifications, and the end of a restart. On graceful shutdown
/// (SIGTERM/SIGINT) it tells the agent to stop (Cease to peers unless forwarding is preserved).
public struct AgentLoops: Service {
    let agent: Agent
    let speaker: any RoutingSpeaker
    let store: any Datastore
    let dataplane: any Dataplane
    let heartbeatInterval: Duration
    let restartDeadline: Duration

    public init(agent: Agent, speaker: any RoutingSpeaker, store: any Datastore, dataplane: any Dataplane,
                heartbeatInterval: Duration = .seconds(10), restartDeadline: Duration = .seconds(30)) {
        self.agent = agent
        self.speaker = speaker
        self.store = store
        self.dataplane = dataplane
        self.heartbeatInterval = heartbeatInterval
        self.restartDeadline = restartDeadline
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { tasks in
            let (agent, speaker, store, dataplane) = (self.agent, self.speaker, self.store, self.dataplane)
            let (heartbeat, deadline) = (heartbeatInterval, restartDeadline)
            tasks.addTask {
                for await batch in speaker.bestRouteChanges.cancelOnGracefulShutdown() { await agent.handle(batch) }
            }
            tasks.addTask {
                for await change in store.changes().cancelOnGracefulShutdown() { await agent.datastoreChanged(change) }
            }
            tasks.addTask {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: heartbeat)
                    await agent.heartbeat()
                }
            }
            tasks.addTask {
                // Kernel notifications, polled (never blocking a cooperative thread).
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: .milliseconds(500))
                    if let changes = try? dataplane.kernelChanges(timeoutMilliseconds: 0) { await agent.kernelChanged(changes) }
                }
            }
            tasks.addTask {
                // A restart ends when every peer is Established and has sent End-of-RIB, at once
                // without peers, or at the deadline.
                let end = ContinuousClock.now + deadline
                while await agent.restartPending, ContinuousClock.now < end, !Task.isShuttingDownGracefully {
                    let peers = await speaker.peers()
                    if peers.isEmpty { break }   // nothing to wait for
                    if peers.allSatisfy({ $0.state == "Established" }), await speaker.converged() {
                        // One more moment for the UPDATEs queued behind End-of-RIB.
                        try? await Task.sleep(for: .milliseconds(200))
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                await agent.finishRestart()
            }
            try? await gracefulShutdown()
            await agent.shutdown()
            tasks.cancelAll()
        }
    }
}
