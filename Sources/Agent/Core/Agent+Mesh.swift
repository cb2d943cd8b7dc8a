public import IPAddressing
import Logging

extension Agent {
    /// Where this host's speaker accepts sessions, as recorded for the other hosts' `--mesh`:
    /// the listen address, or the router id when it listens on every address (`0.0.0.0`).
    public nonisolated var bgpAddress: IPAddress {
        switch configuration.listenAddress {
        case .v4(let a) where a.value == 0: .v4(routerID)
        case .v6(let a) where a.high == 0 && a.low == 0: .v4(routerID)
        case let a: a
        }
    }

    /// Renews this host's record with its BGP address (`nil` after a clean stop: the other
    /// hosts' meshes drop us).
    func register(peering: Bool) async throws {
        try await store.heartbeat(host: hostname, at: clock(), bgpAddress: peering ? bgpAddress : nil,
                                  bgpPort: UInt16(clamping: configuration.listenPort))
    }

    /// `--mesh`: peer with every other live host in the datastore, adding and removing peers as
    /// hosts appear, change address or expire (`MeshPeering`). Runs at start, on every host
    /// change in the datastore and on every heartbeat (which is when an expiry is noticed).
    public func reconcileMesh() async {
        guard configuration.mesh else { return }
        do {
            let hosts = try await store.hosts()
            var configured = Set(configuration.peers.map(\.address))
            // Peers added at run time (`routed peer add`) win too.
            for p in await speaker.peers() where p.type != AgentPeer.Kind.mesh.rawValue {
                if let a = IPAddress(p.address) { configured.insert(a) }
            }
            let mesh = MeshPeering(localHost: hostname, localAddress: bgpAddress, hostTimeout: meshHostTimeout)
            let plan = MeshPeering.plan(current: meshPeers, wanted: mesh.neighbours(hosts: hosts, now: clock(), configured: configured))
            for a in plan.remove {
                let gone = meshPeers.removeValue(forKey: a)
                do { try await speaker.removePeer(a) } catch RoutingError.unknownPeer { /* already gone */ }
                logger.notice("mesh peer removed", metadata: ["peer": "\(gone.map { "\($0)" } ?? "\(a)")"])
            }
            for n in plan.add {
                do {
                    try await speaker.addPeer(MeshPeering.peer(n, localAS: configuration.localAS))
                    meshPeers[n.address] = n
                    logger.notice("mesh peer added", metadata: ["peer": "\(n)"])
                } catch RoutingError.peerExists {
                    // Added by `routed peer add` meanwhile: that one wins.
                }
            }
            if checks["bgp"]?.hasPrefix("mesh:") == true { checks["bgp"] = "ok" }
        } catch {
            checks["bgp"] = "mesh: \(error)"
            logger.error("mesh peers could not be updated", metadata: ["error": "\(error)"])
        }
    }
}
