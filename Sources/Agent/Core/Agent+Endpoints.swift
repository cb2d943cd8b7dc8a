public import AgentAPI
import Dataplane
import Datastore
import Foundation
import IPAddressing
import IPAM
import Policy

extension Agent {
    /// `POST /v1/endpoints`: an address from this host's block of the network (claiming a block
    /// when needed: blackhole + origination), the veth and /32 route, then the record. Idempotent:
    /// the same request again answers the same endpoint; a different one for the name conflicts.
    public func addEndpoint(_ r: AddEndpointRequest) async throws -> EndpointInfo {
        let start = ContinuousClock.now
        guard !r.name.isEmpty, r.name.utf8.count <= 253, !r.name.contains("/"), !r.name.contains(" ") else {
            throw AgentError.invalidArgument("endpoint name '\(r.name)' must be 1 to 253 characters without spaces or '/'")
        }
        let netns: String
        switch (r.netns, r.pid) {
        case (let path?, nil):
            guard path.hasPrefix("/") else { throw AgentError.invalidArgument("--netns '\(path)' is not an absolute path (e.g. /run/netns/NAME)") }
            netns = path
        case (nil, let pid?):
            guard pid > 0 else { throw AgentError.invalidArgument("--pid \(pid) is not a process id") }
            netns = "/proc/\(pid)/ns/net"
        default:
            throw AgentError.invalidArgument("give exactly one of --netns PATH or --pid N")
        }
        guard FileManager.default.fileExists(atPath: netns) else {
            throw AgentError.invalidArgument("network namespace \(netns) does not exist")
        }
        guard !r.interfaceName.isEmpty, r.interfaceName.utf8.count <= 15, !r.interfaceName.contains("/") else {
            throw AgentError.invalidArgument("--ifname '\(r.interfaceName)' is not an interface name (1 to 15 characters)")
        }
        if let id = r.containerID {
            guard !id.isEmpty, id.utf8.count <= 256, !id.contains(where: \.isWhitespace) else {
                throw AgentError.invalidArgument("container id '\(id)' must be 1 to 256 characters without spaces")
            }
        }
        var requested: IPAddress?
        if let ip = r.ip {
            guard let a = IPAddress(ip) else { throw AgentError.invalidArgument("--ip '\(ip)' is not an IP address") }
            requested = a
        }
        guard try await store.network(named: r.network) != nil else { throw AgentError.unknownNetwork(r.network) }
        var existing = endpoints[r.name]
        if existing == nil { existing = try await store.endpoints().first { $0.name == r.name } }
        if let existing {
            // A CNI ADD repeated for the same container is idempotent; another container asking
            // for a name in use is a different workload.
            if let old = existing.containerID, let new = r.containerID, old != new {
                throw AgentError.conflict("endpoint '\(r.name)' belongs to container \(old), not \(new); "
                    + "delete it first (`routed endpoint del \(r.name)`) or use another name")
            }
            let same = existing.network == r.network && existing.netns == netns && existing.ifname == r.interfaceName
                && existing.host == hostname && (requested.map { existing.addresses.contains($0) } ?? true)
            guard same else {
                throw AgentError.conflict("endpoint '\(r.name)' exists with network \(existing.network), netns \(existing.netns), "
                    + "\(existing.ifname) on host \(existing.host); delete it first or use another name")
            }
        }

        let address = try await allocator.allocate(endpoint: r.name, network: r.network, host: hostname, requested: requested)
        let record = EndpointRecord(name: r.name, network: r.network, host: hostname, addresses: [address], netns: netns, ifname: r.interfaceName,
                                    containerID: r.containerID ?? existing?.containerID)
        let status: EndpointStatus
        do {
            status = try dataplane.ensureEndpoint(spec(record))
        } catch {
            if endpoints[r.name] == nil { _ = try? await allocator.release(endpoint: r.name, host: hostname) }
            throw error
        }
        try await store.putEndpoint(record)
        let isNew = endpoints[r.name] == nil
        endpoints[r.name] = record
        for route in status.hostRoutes { fib.set(route) }
        try await adoptNewBlocks()
        applyFIB()
        programPolicy()
        metrics.endpoints.set(Int64(endpoints.count))
        metrics.endpointAdd.record(ContinuousClock.now - start)
        if isNew {
            logger.notice("endpoint added", metadata: ["endpoint": "\(r.name)", "network": "\(r.network)", "address": "\(address)",
                                                      "interface": "\(status.hostInterface)"])
        }
        return info(record)
    }

    /// Blocks claimed since we last looked: blackhole them and originate them.
    func adoptNewBlocks() async throws {
        var added: [IPPrefix] = []
        for b in try await store.blocks(host: hostname, network: nil) where ownBlocks[b.cidr] == nil {
            ownBlocks[b.cidr] = b.network
            fib.set(FIBRoute(prefix: b.cidr, target: .blackhole))
            added.append(b.cidr)
        }
        guard !added.isEmpty else { return }
        for p in added { logger.notice("block claimed and originated", metadata: ["block": "\(p)", "network": "\(ownBlocks[p]!)"]) }
        await originate()
    }

    /// `DELETE /v1/endpoints/NAME`: the veth and its /32 go, the address is freed; the block
    /// stays ours and announced, so nothing else is withdrawn — until it has been empty for
    /// `--block-release-grace` seconds (`releaseEmptyBlocks`).
    public func deleteEndpoint(_ name: String) async throws {
        let record: EndpointRecord
        if let e = endpoints[name] {
            record = e
        } else if let e = try await store.endpoints().first(where: { $0.name == name && $0.host == hostname }) {
            record = e
        } else {
            throw AgentError.unknownEndpoint(name)
        }
        try dataplane.removeEndpoint(id: record.name)
        for a in record.addresses { fib.remove(Self.hostPrefix(a)) }
        try await store.deleteEndpoint(named: name)
        try await allocator.release(endpoint: name, host: hostname)
        endpoints[name] = nil
        applyFIB()
        programPolicy()
        metrics.endpoints.set(Int64(endpoints.count))
        logger.notice("endpoint deleted", metadata: ["endpoint": "\(name)"])
        await releaseEmptyBlocks()   // starts the grace period of a block this emptied
        scheduleBlockRelease()
    }

    public func listEndpoints() -> [EndpointInfo] {
        endpoints.values.sorted { $0.name < $1.name }.map(info)
    }

    func info(_ e: EndpointRecord) -> EndpointInfo {
        EndpointInfo(name: e.name, network: e.network, addresses: e.addresses.map(\.description),
                     hostInterface: EndpointSpec.hostInterfaceName(for: e.name), interfaceName: e.ifname, netns: e.netns, containerID: e.containerID)
    }
}
