public import IPAddressing

/// What `routed ipam show` prints: pools, blocks with host and network, usage, and what is wrong.
public struct IPAMReport: Hashable, Sendable {
    public struct BlockLine: Hashable, Sendable {
        public var cidr: IPPrefix
        public var pool: String
        public var host: String
        public var network: String
        public var allocated: Int
        public var reserved: Int
        public var size: Int
        /// The host's lease has expired (or it never registered).
        public var hostGone: Bool
    }
    /// An allocation no endpoint record accounts for.
    public struct Leak: Hashable, Sendable {
        public var address: IPAddress
        public var endpoint: String
        public var host: String
        public var network: String
        public var since: Int64
    }
    /// An endpoint record whose address no block holds for it.
    public struct Unbacked: Hashable, Sendable {
        public var endpoint: String
        public var address: IPAddress
        /// Who holds it instead, if anyone.
        public var heldBy: String?
    }

    public var pools: [PoolUsage]
    public var blocks: [BlockLine]
    public var leaked: [Leak]
    /// Blocks of hosts that left.
    public var orphanedBlocks: [IPPrefix]
    public var unbacked: [Unbacked]

    public init(state: IPAMState, endpoints: [EndpointRecord], hosts: [HostRecord], now: Int64, hostGrace: Int64) {
        let seen = Dictionary(hosts.map { ($0.name, $0.lastSeen) }, uniquingKeysWith: max)
        pools = state.pools.map(state.usage)
        let sorted = state.blocks.values.sorted { $0.cidr < $1.cidr }
        blocks = sorted.map { b in
            BlockLine(cidr: b.cidr, pool: b.pool, host: b.host, network: b.network, allocated: b.allocatedCount,
                      reserved: b.reservedCount, size: b.size,
                      hostGone: seen[b.host].map { now - $0 >= hostGrace } ?? true)
        }
        orphanedBlocks = blocks.filter(\.hostGone).map(\.cidr)
        var recorded: Set<EndpointKey> = []
        for e in endpoints { for a in e.addresses { recorded.insert(EndpointKey(name: e.name, host: e.host, network: e.network, address: a)) } }
        leaked = sorted.flatMap { b in
            b.allocations.filter { !recorded.contains(EndpointKey(name: $0.allocation.endpoint, host: b.host, network: b.network, address: $0.address)) }
                .map { Leak(address: $0.address, endpoint: $0.allocation.endpoint, host: b.host, network: b.network, since: $0.allocation.at) }
        }
        unbacked = endpoints.sorted { $0.name < $1.name }.flatMap { e in
            e.addresses.compactMap { a -> Unbacked? in
                let holder = sorted.first { $0.cidr.contains(a) }?.owner(of: a)?.endpoint
                return holder == e.name ? nil : Unbacked(endpoint: e.name, address: a, heldBy: holder)
            }
        }
    }

    /// True when nothing is leaked, unbacked or orphaned.
    public var isClean: Bool { leaked.isEmpty && unbacked.isEmpty && orphanedBlocks.isEmpty }

    /// The text table `routed ipam show` prints.
    public func render() -> String {
        var out = "POOL\n"
        for p in pools { out += "  " + p.summary + "\n" }
        out += "BLOCKS\n"
        out += "  " + pad("CIDR", 28) + pad("POOL", 12) + pad("HOST", 16) + pad("NETWORK", 14) + "USED\n"
        for b in blocks {
            out += "  " + pad(b.cidr.description, 28) + pad(b.pool, 12) + pad(b.host + (b.hostGone ? " (gone)" : ""), 16)
                + pad(b.network, 14) + "\(b.allocated)/\(b.size - b.reserved)\n"
        }
        if !leaked.isEmpty {
            out += "LEAKED (allocated, no endpoint)\n"
            for l in leaked { out += "  \(l.address) endpoint \(l.endpoint) host \(l.host) network \(l.network)\n" }
        }
        if !unbacked.isEmpty {
            out += "UNBACKED (endpoint, address not allocated to it)\n"
            for u in unbacked { out += "  \(u.address) endpoint \(u.endpoint)" + (u.heldBy.map { " held by \($0)" } ?? "") + "\n" }
        }
        if !orphanedBlocks.isEmpty {
            out += "ORPHANED (host gone)\n"
            for c in orphanedBlocks { out += "  \(c)\n" }
        }
        return out
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}
