public import IPAddressing

/// Inputs of a garbage-collection pass: what exists, and the clock as a value.
public struct GCPolicy: Hashable, Sendable {
    /// An allocation younger than this is left alone even without an endpoint record (the agent
    /// allocates first and records the endpoint right after). 0 at an agent's own start, when no
    /// allocation of its own can be in flight: that is the crash repair.
    public var allocationGrace: Int64
    /// A host is gone when its lease is older than this; its empty blocks are released once they
    /// have also been unchanged this long.
    public var hostGrace: Int64

    public init(allocationGrace: Int64 = 60, hostGrace: Int64 = 300) {
        self.allocationGrace = allocationGrace; self.hostGrace = hostGrace
    }
}

/// One repair a pass decided on: a CAS write or delete against the store.
public enum GCAction: Hashable, Sendable {
    /// Write `block` (at the revision read), with these leaked allocations freed.
    case releaseAllocations(Block, freed: [IPAddress])
    /// Delete an empty block of a host that left.
    case releaseBlock(IPPrefix, revision: UInt64, host: String)
}

extension IPAMState {
    /// Decides what to collect. Allocations whose endpoint has no record on the block's host (in
    /// the block's network, at that address) are freed; empty blocks of hosts whose lease expired
    /// are deleted after `hostGrace`. `onlyHost` limits the pass to one host's blocks.
    public func garbage(endpoints: [EndpointRecord], hosts: [HostRecord], now: Int64,
                        policy: GCPolicy, onlyHost: String? = nil) -> [GCAction] {
        let recorded = Set(endpoints.flatMap { e in e.addresses.map { EndpointKey(name: e.name, host: e.host, network: e.network, address: $0) } })
        let lastSeen = Dictionary(hosts.map { ($0.name, $0.lastSeen) }, uniquingKeysWith: max)
        var actions: [GCAction] = []
        for b in blocks.values.sorted(by: { $0.cidr < $1.cidr }) where onlyHost == nil || b.host == onlyHost {
            var updated = b
            var freed: [IPAddress] = []
            for (a, alloc) in b.allocations
            where now - alloc.at >= policy.allocationGrace
                && !recorded.contains(EndpointKey(name: alloc.endpoint, host: b.host, network: b.network, address: a)) {
                updated.release(a, now: now)
                freed.append(a)
            }
            if !freed.isEmpty {
                actions.append(.releaseAllocations(updated, freed: freed))
            } else if b.isEmpty, now - (lastSeen[b.host] ?? Int64.min / 2) >= policy.hostGrace,
                      now - b.updatedAt >= policy.hostGrace {
                actions.append(.releaseBlock(b.cidr, revision: b.revision, host: b.host))
            }
        }
        return actions
    }
}

struct EndpointKey: Hashable {
    var name: String
    var host: String
    var network: String
    var address: IPAddress
}
