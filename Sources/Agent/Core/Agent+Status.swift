public import AgentAPI
import BGPSpeaker
import Datastore
import Foundation
import IPAddressing
public import IPAM

extension Agent {
    public func health() -> Health {
        Health(healthy: checks.values.allSatisfy { $0 == "ok" }, checks: checks)
    }

    public func status() async throws -> AgentStatus {
        let peers = await speaker.peers()
        var blocks: [BlockInfo] = []
        for b in try await store.blocks(host: hostname, network: nil) {
            blocks.append(BlockInfo(cidr: "\(b.cidr)", pool: b.pool, network: b.network, allocated: b.allocatedCount,
                                    size: b.size, advertised: ownBlocks[b.cidr] != nil))
        }
        return AgentStatus(localAS: configuration.localAS, routerID: "\(routerID)", hostname: hostname, version: AgentVersion.string,
                           startedAt: startedAt, socket: configuration.socketPath, datastore: "\(configuration.datastore)",
                           health: health(), peers: peers, blocks: blocks, endpoints: endpoints.count,
                           networks: try await store.networks().count)
    }

    public func routes(prefix text: String?) async throws -> [RouteInfo] {
        var prefix: IPPrefix?
        if let text {
            guard let p = IPPrefix(text) else { throw AgentError.invalidArgument("--prefix '\(text)' is not a CIDR (e.g. 10.244.0.0/26)") }
            prefix = p
        }
        var names: [UInt32: String] = [:]
        for n in book.networks.values { names[n.id.rawValue] = n.name.rawValue }
        // The network a route's `ASN:1:network-id` large community names.
        return await speaker.routes(prefix: prefix).map { r in
            var r = r
            for c in r.largeCommunities where r.network == nil {
                let parts = c.split(separator: ":")
                if parts.count == 3, parts[1] == "1", let id = UInt32(parts[2]) { r.network = names[id] }
            }
            return r
        }
    }

    public func listPeers() async -> [PeerInfo] { await speaker.peers() }

    public func addPeer(_ spec: String) async throws -> PeerInfo {
        let p = try AgentPeer(parsing: spec, localAS: configuration.localAS)
        for name in [p.effectiveImport, p.effectiveExport] where RouteFilter(name: name, named: configuration.routePolicies) == nil {
            throw AgentError.invalidArgument("no route policy named '\(name)'; use \(RouteFilter.builtInNames.joined(separator: ", "))")
        }
        // A host the mesh peers with: the explicit peer takes its place (as a `--peer` does at start).
        if let mesh = meshPeers[p.address] {
            do { try await speaker.removePeer(p.address) } catch RoutingError.unknownPeer { /* already gone */ }
            meshPeers[p.address] = nil
            logger.notice("mesh peer replaced by a configured peer", metadata: ["peer": "\(p)", "host": "\(mesh.host)"])
        }
        try await speaker.addPeer(p)
        logger.notice("peer added", metadata: ["peer": "\(p)"])
        return await speaker.peers().first { $0.address == "\(p.address)" }!
    }

    /// `routed peer del ADDRESS`. A mesh peer is refused: `--mesh` would add it back on the next
    /// heartbeat; it goes when its host stops or expires. A configured peer whose address is also
    /// a live host of the mesh is handed back to the mesh.
    public func deletePeer(_ text: String) async throws {
        guard let a = IPAddress(text) else { throw AgentError.invalidArgument("'\(text)' is not a peer address") }
        if let mesh = meshPeers[a] {
            throw AgentError.conflict("\(a) is the mesh peer for host '\(mesh.host)' (--mesh peers with every live host of the datastore), "
                                      + "so it would come back at once; it goes when that host stops or expires. "
                                      + "To set it up yourself, `routed peer add \(a),as=...` replaces the mesh session; to stop meshing, restart without --mesh")
        }
        try await speaker.removePeer(a)
        logger.notice("peer removed", metadata: ["peer": "\(a)"])
        await reconcileMesh()
    }

    public func ipamReport() async throws -> IPAMReport {
        let report = try await allocator.report()
        for p in report.pools { metrics.pool(p.pool, allocated: p.addressesAllocated, blocks: p.blocksClaimed) }
        return report
    }

    /// Metrics that are read at scrape time (peers, IPAM).
    public func refreshMetrics() async {
        let peers = await speaker.peers()
        metrics.peersUp.set(Int64(peers.filter { $0.state == "Established" }.count))
        for p in peers {
            metrics.peer(p.address, up: p.state == "Established", received: p.prefixesReceived,
                         accepted: p.prefixesAccepted, advertised: p.prefixesAdvertised)
        }
        _ = try? await ipamReport()
    }
}

/// The version `routed status` reports.
public enum AgentVersion {
    public static let string = "0.1.0"
}
