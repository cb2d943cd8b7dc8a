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
    /// Delete an empty block of a host that left (with any allocations of its departed endpoints).
    case releaseBlock(IPPrefix, revision: UInt64, host: String)
    /// Delete the record of an endpoint whose host left: it died with its host (its addresses are
    /// freed by the `releaseAllocations`/`releaseBlock` of the same pass). Listed before them, so
    /// a pass cut short leaves a leak (collected next pass), never a record without its address.
    case deleteEndpoint(String, host: String)
}

extension IPAMState {
    /// Decides what to collect.
    ///
    /// A host has *departed* when its last lease renewal is `hostGrace` old, or it has no host
    /// record at all (never registered, or — with etcd — its lease expired and took the record
    /// with it). Then:
    /// - the records of its endpoints are deleted (`deleteEndpoint`): they died with the host;
    /// - allocations with no endpoint record on the block's host (in the block's network, at that
    ///   address) are freed once `allocationGrace` old (`releaseAllocations`);
    /// - a block of a departed host left with no allocations is deleted once it has also been
    ///   unchanged for `hostGrace` (`releaseBlock`), in the same pass as freeing what it held.
    ///
    /// `onlyHost` limits the pass to one host's blocks and endpoints.
    public func garbage(endpoints: [EndpointRecord], hosts: [HostRecord], now: Int64,
                        policy: GCPolicy, onlyHost: String? = nil) -> [GCAction] {
        let lastSeen = Dictionary(hosts.map { ($0.name, $0.lastSeen) }, uniquingKeysWith: max)
        func departed(_ host: String) -> Bool { now - (lastSeen[host] ?? Int64.min / 2) >= policy.hostGrace }
        var actions: [GCAction] = []
        var live: [EndpointRecord] = []
        for e in endpoints.sorted(by: { $0.name < $1.name }) {
            if (onlyHost == nil || e.host == onlyHost) && departed(e.host) {
                actions.append(.deleteEndpoint(e.name, host: e.host))
            } else {
                live.append(e)
            }
        }
        let recorded = Set(live.flatMap { e in e.addresses.map { EndpointKey(name: e.name, host: e.host, network: e.network, address: $0) } })
        for b in blocks.values.sorted(by: { $0.cidr < $1.cidr }) where onlyHost == nil || b.host == onlyHost {
            var updated = b
            var freed: [IPAddress] = []
            for (a, alloc) in b.allocations
            where now - alloc.at >= policy.allocationGrace
                && !recorded.contains(EndpointKey(name: alloc.endpoint, host: b.host, network: b.network, address: a)) {
                updated.release(a, now: now)
                freed.append(a)
            }
            if updated.isEmpty, departed(b.host), now - b.updatedAt >= policy.hostGrace {
                actions.append(.releaseBlock(b.cidr, revision: b.revision, host: b.host))
            } else if !freed.isEmpty {
                actions.append(.releaseAllocations(updated, freed: freed))
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
